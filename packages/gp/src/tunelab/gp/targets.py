"""Transforms of the targets before a GP is fit: optional Box-Cox, then standardising."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

import numpy as np


def _stats() -> ModuleType:
    """`scipy.stats`, imported only when Box-Cox is asked for (it takes ~1 s to load)."""
    return importlib.import_module("scipy.stats")


@dataclass(frozen=True)
class TargetTransform:
    """`z = (boxcox(y, lmbda) - shift) / scale`; `lmbda=None` skips Box-Cox.

    Build it with `TargetTransform.fit`. EI and LCB are computed on `z`: both transforms
    are increasing, so minimisers are preserved.
    """

    shift: float
    scale: float
    lmbda: float | None = None
    offset: float = 0.0

    @classmethod
    def fit(cls, y: np.ndarray, *, normalize: bool = True, boxcox: bool = False) -> TargetTransform:
        """Fit to targets `y` of shape `(n,)`.

        Box-Cox needs positive targets: they are shifted so that the smallest is 1 if
        any is not, and `lmbda` is the maximum-likelihood value of `scipy.stats.boxcox`
        (estimated before the GP fit, not jointly with it as in the reference).
        """
        lmbda = None
        offset = 0.0
        values = np.asarray(y, dtype=float)
        if boxcox and len(values) >= 2 and np.ptp(values) > 0:
            offset = 0.0 if values.min() > 0 else 1.0 - float(values.min())
            stats = _stats()
            _, fitted = stats.boxcox(values + offset)
            lmbda = float(fitted)
            values = stats.boxcox(values + offset, lmbda)
        if not normalize or len(values) == 0:
            return cls(0.0, 1.0, lmbda, offset)
        scale = float(np.std(values))
        return cls(float(np.mean(values)), scale if scale > 1e-12 else 1.0, lmbda, offset)

    def __call__(self, y: np.ndarray) -> np.ndarray:
        values = np.asarray(y, dtype=float)
        if self.lmbda is not None:
            values = _stats().boxcox(np.maximum(values + self.offset, 1e-12), self.lmbda)
        return (values - self.shift) / self.scale
