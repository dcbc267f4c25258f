"""`CandidateSet`: a finite set of allowed configurations, such as a table's rows.

On a tabulated benchmark only the table's configurations can be evaluated. Every
method runs on that same problem when its searcher (and, where a scheduler makes
configurations of its own, the scheduler) draws from a `CandidateSet`: random
draws come from the unused members, model-based searchers rank members, and
configurations made by mutation or perturbation are mapped to the nearest member.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tunelab.core.space.config import (
    config_key,
    config_keys,
    hyperparameter_names,
    validate_configs,
)
from tunelab.core.space.encoding import SpaceEncoder

# Below this many available members, nearest-member queries scan them directly; above,
# a k-d tree over all members is asked for ever more neighbours until one is available.
_SCAN_LIMIT = 4096
_FIRST_NEIGHBOURS = 8


class CandidateSet:
    """The members of a finite set of configurations of `config_space`.

    Members are compared on their hyperparameters only (constants such as a script's
    budget argument may be rewritten by a scheduler); duplicates are dropped, the
    first kept. "Nearest" is Euclidean distance in the encoding of `SpaceEncoder`
    (the unit cube, one-hot categoricals); ties go to the member listed first, so
    every query has one reproducible answer.

    Args:
        config_space: The space the members belong to.
        configs: The members; each must be a valid configuration of the space
            (constants may be omitted).
        where: Name of the argument, for error messages.

    Raises:
        ValueError: `configs` is empty or a member is not a valid configuration (the
            message names its position and the offending value).
        TypeError: `configs` is a single dict instead of a list of them.
    """

    def __init__(
        self,
        config_space: Mapping[str, Any],
        configs: Sequence[Mapping[str, Any]],
        *,
        where: str = "restrict_to",
    ) -> None:
        if isinstance(configs, Mapping):
            raise TypeError(
                f"{where} must be a list of configurations (dicts), got a single dict "
                f"{dict(configs)!r}; wrap it in a list"
            )
        self.config_space = dict(config_space)
        self._names = hyperparameter_names(self.config_space)
        self._members: list[dict[str, Any]] = []
        self._index: dict[tuple[Any, ...], int] = {}
        for position, config in enumerate(configs):
            if not isinstance(config, Mapping):
                raise TypeError(
                    f"{where}[{position}] must be a dict, got {type(config).__name__}: {config!r}"
                )
        members = validate_configs(self.config_space, configs, where=where)
        for member, key in zip(members, config_keys(members, self._names), strict=True):
            self._index.setdefault(key, len(self._members))
            if len(self._index) > len(self._members):
                self._members.append(member)
        if not self._members:
            raise ValueError(f"{where} is empty; give at least one configuration")
        self._encoder: SpaceEncoder | None = None
        self._vectors: np.ndarray | None = None
        self._tree: Any = None

    def __len__(self) -> int:
        return len(self._members)

    def __getitem__(self, index: int) -> dict[str, Any]:
        """A copy of member `index`, constants included."""
        return dict(self._members[index])

    @property
    def names(self) -> list[str]:
        """The hyperparameters members are compared on (the space's domains)."""
        return list(self._names)

    def key(self, config: Mapping[str, Any]) -> tuple[Any, ...]:
        """The key of `config`'s hyperparameters (constants ignored)."""
        return config_key({name: config[name] for name in self._names if name in config})

    def index_of(self, config: Mapping[str, Any]) -> int | None:
        """The member with `config`'s hyperparameters, or None if it is not one."""
        return self._index.get(self.key(config))

    def index_of_key(self, key: tuple[Any, ...]) -> int | None:
        """The member whose `key` is `key`, or None."""
        return self._index.get(key)

    @property
    def encoder(self) -> SpaceEncoder:
        if self._encoder is None:
            self._encoder = SpaceEncoder(self.config_space)
        return self._encoder

    @property
    def vectors(self) -> np.ndarray:
        """The encoded members, shape `(len(self), dim)` (computed once, read-only)."""
        if self._vectors is None:
            vectors = self.encoder.encode_many(self._members)
            vectors.setflags(write=False)
            self._vectors = vectors
        return self._vectors

    def encode(self, config: Mapping[str, Any]) -> np.ndarray:
        """The encoding of `config` (a member's stored vector if it is one)."""
        index = self.index_of(config)
        return self.vectors[index].copy() if index is not None else self.encoder.encode(config)

    def nearest(self, x: np.ndarray, available: np.ndarray | None = None) -> np.ndarray:
        """For each row of `x` (shape `(m, dim)`), the index of the nearest member among
        those `available` (a boolean mask of shape `(len(self),)`; None: all).

        Returns:
            Integer array of shape `(m,)`.

        Raises:
            ValueError: No member is available.
        """
        rows = np.atleast_2d(np.asarray(x, dtype=float))
        mask = np.ones(len(self), dtype=bool) if available is None else available
        count = int(np.count_nonzero(mask))
        if count == 0:
            raise ValueError("CandidateSet.nearest: no member is available")
        if count <= _SCAN_LIMIT or 4 * count <= len(self):
            return self._scan(rows, np.flatnonzero(mask))
        return np.array([self._tree_query(row, mask) for row in rows], dtype=int)

    def _scan(self, rows: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        vectors = self.vectors[candidates]
        found = np.empty(len(rows), dtype=int)
        for i, row in enumerate(rows):
            distances = np.square(vectors - row).sum(axis=1)
            found[i] = candidates[int(np.argmin(distances))]
        return found

    def _tree_query(self, row: np.ndarray, mask: np.ndarray) -> int:
        if self._tree is None:
            from scipy.spatial import cKDTree

            self._tree = cKDTree(self.vectors)
        k = _FIRST_NEIGHBOURS
        while True:
            k = min(k, len(self))
            distances, indices = self._tree.query(row, k=k)
            distances, indices = np.atleast_1d(distances), np.atleast_1d(indices)
            hits = mask[indices]
            if hits.any():
                # among equally near available neighbours, the member listed first
                best = distances[hits].min()
                tied = indices[hits & (distances == best)]
                if k == len(self) or distances[-1] > best:
                    return int(tied.min())
            elif k == len(self):
                raise ValueError("CandidateSet.nearest: no member is available")
            k *= 4


class CandidatePool:
    """A `CandidateSet` with a record of which members have been used.

    Owned by a searcher or scheduler that must not repeat members: it marks what it
    suggests, draws random unused members, and maps any configuration or encoded
    vector to the nearest unused member. The record is derived state: owners keep
    the keys they used in their own `state_dict` and call `mark_key` on restore.

    Args:
        candidates: The set to draw from.
    """

    def __init__(self, candidates: CandidateSet) -> None:
        self.candidates = candidates
        self.used = np.zeros(len(candidates), dtype=bool)
        self.num_used = 0

    @property
    def exhausted(self) -> bool:
        """True once every member has been used."""
        return self.num_used >= len(self.candidates)

    def mark_key(self, key: tuple[Any, ...]) -> None:
        """Record the member whose hyperparameter key is `key` (if any) as used."""
        index = self.candidates.index_of_key(key)
        if index is not None and not self.used[index]:
            self.used[index] = True
            self.num_used += 1

    def clear(self) -> None:
        """Forget every use."""
        self.used[:] = False
        self.num_used = 0

    def unused_indices(self) -> np.ndarray:
        """Indices of the unused members, in listing order."""
        return np.flatnonzero(~self.used)

    def sample_unused(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Up to `n` distinct unused members drawn uniformly, as indices (all of them,
        in random order, when fewer are left)."""
        unused = self.unused_indices()
        if len(unused) <= n:
            return rng.permutation(unused)
        return rng.choice(unused, size=n, replace=False)

    def nearest_unused(self, x: np.ndarray) -> np.ndarray:
        """The nearest unused member of each row of `x` (shape `(m, dim)`), as indices."""
        return self.candidates.nearest(x, ~self.used)

    def nearest_unused_config(self, config: dict[str, Any]) -> dict[str, Any] | None:
        """`config` itself if it is an unused member, else the nearest unused member
        (constants of `config` kept); None once every member is used."""
        index = self.candidates.index_of(config)
        if index is None or self.used[index]:
            if self.exhausted:
                return None
            index = int(self.nearest_unused(self.candidates.encoder.encode(config)[None, :])[0])
        return with_constants(self.candidates[index], config, self.candidates.config_space)


def with_constants(
    member: dict[str, Any], config: Mapping[str, Any], config_space: Mapping[str, Any]
) -> dict[str, Any]:
    """`member`'s hyperparameters with the constants `config` carries (a scheduler
    may have rewritten one, such as the script's budget argument)."""
    names = set(hyperparameter_names(config_space))
    return {
        name: member[name] if name in names else config.get(name, member.get(name))
        for name in member
    }
