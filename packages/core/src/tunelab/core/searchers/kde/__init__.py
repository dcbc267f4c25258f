"""The KDE searcher of BOHB: a density-ratio model over product kernels."""

from tunelab.core.searchers.kde._density import ProductKDE
from tunelab.core.searchers.kde.searcher import KDESearcher

__all__ = ["KDESearcher", "ProductKDE"]
