"""Searchers: decide which configuration a new trial evaluates."""

from tunelab.core.searchers.bore import BOREClassifier, BORESearcher
from tunelab.core.searchers.cqr import CQRAcquisition, CQRSearcher
from tunelab.core.searchers.evolution import RegularizedEvolutionSearcher
from tunelab.core.searchers.grid import GridSearcher
from tunelab.core.searchers.kde import KDESearcher
from tunelab.core.searchers.morea import MOREASearcher
from tunelab.core.searchers.nsga2 import NSGA2Searcher
from tunelab.core.searchers.random import RandomSearcher

__all__ = [
    "BOREClassifier",
    "BORESearcher",
    "CQRAcquisition",
    "CQRSearcher",
    "GridSearcher",
    "KDESearcher",
    "MOREASearcher",
    "NSGA2Searcher",
    "RandomSearcher",
    "RegularizedEvolutionSearcher",
]
