"""`EncodedLayout`: vectorised sampling in a `SpaceEncoder`'s unit cube."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tunelab.core.space import Categorical, Domain, SpaceEncoder

# Finite numeric domains up to this size are snapped to their members' codes; larger
# ones (wide integer ranges) are left continuous and rounded only when decoded.
_SNAP_LIMIT = 10_000


@dataclass(frozen=True)
class CategoricalGroup:
    """The one-hot columns `start:start + size` of one categorical hyperparameter."""

    start: int
    size: int


class EncodedLayout:
    """The column roles of encoded configurations, for model-based searchers.

    A non-categorical hyperparameter takes one numeric column in `[0, 1]`; a
    categorical one a one-hot group. Finite numeric domains (integers, ordinals,
    finite ranges) have a code per member, and `snap` moves a numeric column to the
    nearest code, so that a candidate vector equals the encoding of the configuration
    it decodes to, the form the observations have.

    Args:
        config_space: The configuration space.
        encoder: Its `SpaceEncoder`.
    """

    def __init__(self, config_space: dict[str, Any], encoder: SpaceEncoder) -> None:
        self.dim = encoder.dim
        numeric: list[int] = []
        self.groups: list[CategoricalGroup] = []
        self._codes: dict[int, np.ndarray] = {}
        for name, columns in encoder.slices.items():
            domain: Domain = config_space[name]
            if isinstance(domain, Categorical):
                self.groups.append(CategoricalGroup(columns.start, domain.size))
                continue
            numeric.append(columns.start)
            if domain.size is not None and domain.size <= _SNAP_LIMIT:
                values = domain.values() or []
                self._codes[columns.start] = np.unique([domain.encode(v)[0] for v in values])
        self.numeric = np.array(numeric, dtype=int)
        self.num_hyperparameters = len(numeric) + len(self.groups)

    def snap(self, x: np.ndarray) -> np.ndarray:
        """Move each finite numeric column of `x` (shape `(n, dim)`) to its nearest code."""
        for column, codes in self._codes.items():
            if len(codes) == 1:
                x[:, column] = codes[0]
                continue
            midpoints = (codes[1:] + codes[:-1]) / 2
            x[:, column] = codes[np.searchsorted(midpoints, x[:, column])]
        return x

    def uniform(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """`n` random vectors of shape `(n, dim)`: uniform numeric columns (snapped)
        and a uniformly chosen category per one-hot group."""
        x = np.zeros((n, self.dim))
        if len(self.numeric):
            x[:, self.numeric] = rng.uniform(size=(n, len(self.numeric)))
        for group in self.groups:
            x[np.arange(n), group.start + rng.integers(group.size, size=n)] = 1.0
        return self.snap(x)

    def categories(self, x: np.ndarray, group: CategoricalGroup) -> np.ndarray:
        """The category index of each row of `x` (shape `(n, dim)`) in `group`."""
        indices: np.ndarray = np.argmax(x[:, group.start : group.start + group.size], axis=1)
        return indices
