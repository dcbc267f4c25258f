"""Searchers: decide which configuration a new trial evaluates."""

from tunelab.core.searchers.grid import GridSearcher
from tunelab.core.searchers.random import RandomSearcher

__all__ = ["GridSearcher", "RandomSearcher"]
