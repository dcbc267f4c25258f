"""`ProductKDE`: a product-kernel density estimate over encoded configurations."""

from __future__ import annotations

import math

import numpy as np
from scipy.special import logsumexp, ndtr, ndtri

from tunelab.core.searchers._encoded import EncodedLayout

# 1.06 * sigma * n^(-1 / (d + 4)): the normal reference ("Scott's") rule.
_NORMAL_REFERENCE = 1.06


class ProductKDE:
    """Kernel density estimate with one kernel per hyperparameter, multiplied.

    Numeric columns get Gaussian kernels whose bandwidth follows the normal
    reference rule `1.06 * std * n ** (-1 / (d + 4))`, floored at `min_bandwidth`
    (`d` = number of hyperparameters, `n` = number of points). A categorical
    hyperparameter (one-hot group of `k` columns) gets the Aitchison-Aitken kernel:
    weight `1 - lam` on the point's own category and `lam / (k - 1)` on each other,
    with `lam = gini * n ** (-1 / (d + 4))` clipped to `[min_bandwidth, (k - 1) / k]`,
    where `gini = 1 - sum(p_c ** 2)` is the spread of the points over the categories.

    The Gaussian kernels are not renormalised to the unit interval; BOHB's ratio
    `l(x) / g(x)` is barely affected.

    Args:
        points: Encoded configurations, shape `(n, dim)`, `n >= 1`.
        layout: The columns' roles.
        min_bandwidth: Floor of every bandwidth (and of `lam`).
    """

    def __init__(self, points: np.ndarray, layout: EncodedLayout, *, min_bandwidth: float) -> None:
        n = len(points)
        self.points = points
        self._layout = layout
        shrink = n ** (-1.0 / (layout.num_hyperparameters + 4))
        numeric = points[:, layout.numeric]
        spread = numeric.std(axis=0) if n > 1 else np.zeros(numeric.shape[1])
        self.bandwidth = np.maximum(_NORMAL_REFERENCE * spread * shrink, min_bandwidth)
        self._scaled = numeric / self.bandwidth
        self._squares = np.sum(self._scaled**2, axis=1)
        self._log_norm = -np.sum(np.log(self.bandwidth)) - 0.5 * len(layout.numeric) * math.log(
            2 * math.pi
        )
        self.lambdas: list[float] = []
        columns: list[int] = []
        weights: list[float] = []
        self._log_other = 0.0
        for group in layout.groups:
            shares = points[:, group.start : group.start + group.size].mean(axis=0)
            gini = 1.0 - float(np.sum(shares**2))
            most = (group.size - 1) / group.size
            lam = min(max(gini * shrink, min_bandwidth), most) if group.size > 1 else 0.0
            self.lambdas.append(lam)
            if group.size > 1:
                log_other = math.log(lam / (group.size - 1))
                self._log_other += log_other
                columns.extend(range(group.start, group.start + group.size))
                weights.extend([math.log(1.0 - lam) - log_other] * group.size)
        self._cat_columns = np.array(columns, dtype=int)
        self._cat_points = points[:, self._cat_columns] * np.array(weights)

    def log_density(self, x: np.ndarray) -> np.ndarray:
        """Log density at each row of `x` (shape `(m, dim)`); returns shape `(m,)`."""
        z = x[:, self._layout.numeric] / self.bandwidth
        cross = z @ self._scaled.T
        distances = np.sum(z**2, axis=1)[:, None] + self._squares[None, :] - 2.0 * cross
        log_kernel = self._log_norm - 0.5 * np.maximum(distances, 0.0)
        if len(self._cat_columns):
            log_kernel += x[:, self._cat_columns] @ self._cat_points.T + self._log_other
        density: np.ndarray = logsumexp(log_kernel, axis=1) - math.log(len(self.points))
        return density

    def sample(self, rng: np.random.Generator, n: int, bandwidth_factor: float) -> np.ndarray:
        """Draw `n` vectors, shape `(n, dim)`, around randomly chosen points.

        Numeric columns come from a normal truncated to `[0, 1]` with standard
        deviation `bandwidth_factor * bandwidth` (then snapped to finite domains'
        members); a category is kept with probability `1 - lam`, else redrawn
        uniformly.
        """
        x = self.points[rng.integers(len(self.points), size=n)].copy()
        numeric = self._layout.numeric
        if len(numeric):
            mean = x[:, numeric]
            scale = bandwidth_factor * self.bandwidth
            low, high = ndtr(-mean / scale), ndtr((1.0 - mean) / scale)
            u = rng.uniform(size=mean.shape)
            x[:, numeric] = np.clip(mean + scale * ndtri(low + u * (high - low)), 0.0, 1.0)
        rows = np.arange(n)
        for group, lam in zip(self._layout.groups, self.lambdas, strict=True):
            if group.size == 1:
                continue
            current = self._layout.categories(x, group)
            redrawn = rng.integers(group.size, size=n)
            chosen = np.where(rng.uniform(size=n) < 1.0 - lam, current, redrawn)
            x[:, group.start : group.start + group.size] = 0.0
            x[rows, group.start + chosen] = 1.0
        return self._layout.snap(x)
