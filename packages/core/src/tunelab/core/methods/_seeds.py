"""Seeds for the parts of a preset: one independent stream per part."""

from __future__ import annotations

import numpy as np


def spawn_seeds(seed: int | np.random.Generator | None, n: int) -> list[int | None]:
    """`n` seeds derived from `seed` (None stays None: fresh randomness for each part).

    A preset seeds its searcher and its scheduler differently, so that they do not
    draw the same random numbers, and still reproducibly from one seed.
    """
    if seed is None:
        return [None] * n
    if isinstance(seed, np.random.Generator):
        return [int(x) for x in seed.integers(0, 2**63 - 1, size=n)]
    return [int(s.generate_state(1, np.uint64)[0]) for s in np.random.SeedSequence(seed).spawn(n)]
