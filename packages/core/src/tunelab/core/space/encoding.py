"""`SpaceEncoder`: whole configurations to and from vectors in the unit cube."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from tunelab.core.space.categorical import Categorical
from tunelab.core.space.domain import Domain

_FAST, _DOMAIN, _KEEP, _COPY = range(4)
"""How `SpaceEncoder.decode` fills a key: `Domain._decode_unit`, `Domain.decode`, the
constant itself (a type that `copy.deepcopy` returns unchanged), a deep copy."""
_METHODS = ("decode", "_decode_unit")


def _how(entry: Any) -> int:
    if not isinstance(entry, Domain):
        return _KEEP if type(entry) in (int, float, bool, str, type(None)) else _COPY
    # a domain whose `decode` is not built on its `_decode_unit` keeps its own decode
    decode, unit = (next(c for c in type(entry).__mro__ if a in vars(c)) for a in _METHODS)
    return _FAST if decode is unit else _DOMAIN


class SpaceEncoder:
    """Encodes configurations of a space as vectors in `[0, 1]^dim` and back.

    The vector concatenates each hyperparameter's `Domain.encode`, in the space's
    order; constants take no columns. `slices[name]` gives a hyperparameter's columns;
    `categorical_mask` marks the one-hot columns of `Categorical` domains (each such
    slice is one one-hot group, also for two categories). Any vector decodes to a
    valid configuration, so searchers may optimise freely over the cube.

    Args:
        space: The configuration space, `{name: Domain | constant}`.
    """

    def __init__(self, space: Mapping[str, Any]) -> None:
        self._space = dict(space)
        self._domains = {name: d for name, d in self._space.items() if isinstance(d, Domain)}
        self._slices: dict[str, slice] = {}
        start = 0
        for name, domain in self._domains.items():
            self._slices[name] = slice(start, start + domain.encoded_dim)
            start += domain.encoded_dim
        self._dim = start
        self._categorical_mask = np.zeros(start, dtype=bool)
        for name, domain in self._domains.items():
            if isinstance(domain, Categorical):
                self._categorical_mask[self._slices[name]] = True
        self._categorical_mask.flags.writeable = False
        # decode's plan: (name, entry, first column, end column, how), in the space's order
        self._plan: list[tuple[str, Any, int, int, int]] = []
        for name, entry in self._space.items():
            columns = self._slices.get(name, slice(0, 0))
            self._plan.append((name, entry, columns.start, columns.stop, _how(entry)))

    @property
    def dim(self) -> int:
        """Length of an encoded vector."""
        return self._dim

    @property
    def names(self) -> list[str]:
        """The hyperparameters (tunable keys), in the space's order."""
        return list(self._domains)

    @property
    def slices(self) -> dict[str, slice]:
        """Hyperparameter name -> its columns of the encoded vector."""
        return dict(self._slices)

    @property
    def categorical_mask(self) -> np.ndarray:
        """Read-only bool array of shape `(dim,)`: True on one-hot (categorical) columns."""
        return self._categorical_mask

    def encode(self, config: Mapping[str, Any]) -> np.ndarray:
        """Encode one configuration (extra keys such as constants are ignored).

        Returns:
            Array of shape `(dim,)` with entries in `[0, 1]`.

        Raises:
            ValueError: a hyperparameter is missing or has an invalid value.
        """
        x = np.empty(self._dim)
        for name, domain in self._domains.items():
            if name not in config:
                raise ValueError(
                    f"SpaceEncoder.encode: hyperparameter {name!r} ({domain!r}) is missing "
                    f"from {dict(config)!r}"
                )
            try:
                x[self._slices[name]] = domain.encode(config[name])
            except ValueError as error:
                raise ValueError(f"SpaceEncoder.encode: hyperparameter {name!r}: {error}") from None
        return x

    def encode_many(self, configs: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Encode `n` configurations into an array of shape `(n, dim)`."""
        matrix = np.empty((len(configs), self._dim))
        for row, config in enumerate(configs):
            matrix[row] = self.encode(config)
        return matrix

    def decode(self, x: ArrayLike) -> dict[str, Any]:
        """Decode a vector of shape `(dim,)` (clipped to `[0, 1]`) to a configuration,
        constants included, keys in the space's order."""
        vector = np.asarray(x, dtype=float)
        if vector.shape != (self._dim,):
            raise ValueError(
                f"SpaceEncoder.decode: expected an array of shape ({self._dim},), "
                f"got shape {vector.shape}"
            )
        if np.isnan(vector).any():  # each domain's decode names the offending one
            return {
                name: entry.decode(vector[self._slices[name]])
                if isinstance(entry, Domain)
                else copy.deepcopy(entry)
                for name, entry in self._space.items()
            }
        # Clip once and decode Python floats: what each domain's decode does, faster.
        unit = np.clip(vector, 0.0, 1.0).tolist()
        config: dict[str, Any] = {}
        for name, entry, start, stop, how in self._plan:
            if how == _FAST:
                config[name] = entry._decode_unit(unit[start:stop])
            elif how == _DOMAIN:  # a domain of another library: its own decode
                config[name] = entry.decode(vector[start:stop])
            else:
                config[name] = entry if how == _KEEP else copy.deepcopy(entry)
        return config

    def decode_many(self, x: ArrayLike) -> list[dict[str, Any]]:
        """Decode an array of shape `(n, dim)` to `n` configurations."""
        matrix = np.asarray(x, dtype=float)
        if matrix.ndim != 2 or matrix.shape[1] != self._dim:
            raise ValueError(
                f"SpaceEncoder.decode_many: expected an array of shape (n, {self._dim}), "
                f"got shape {matrix.shape}"
            )
        return [self.decode(row) for row in matrix]

    def __repr__(self) -> str:
        return f"SpaceEncoder(dim={self._dim}, names={self.names!r})"
