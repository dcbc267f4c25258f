"""A scoped limit on the BLAS thread pool while a GP searcher computes.

The matrices of a GP searcher are small (at most a few hundred rows): on them, a
multi-threaded BLAS spends more time starting and synchronising threads than it
saves, and on a machine with fewer cores than the BLAS expects it is many times
slower (here, a 200x200 product took 16 ms with the default pool and 0.3 ms with one
thread). The limit is set for the duration of one suggestion and then restored, so
the rest of the process keeps its configuration.
"""

from __future__ import annotations

import contextlib
from contextlib import AbstractContextManager
from typing import Any

from threadpoolctl import ThreadpoolController

_controller: ThreadpoolController | None = None


def blas_threads(limit: int | None) -> AbstractContextManager[Any]:
    """Limit BLAS to `limit` threads inside the `with` block (None: no change)."""
    global _controller
    if limit is None:
        return contextlib.nullcontext()
    if _controller is None:
        _controller = ThreadpoolController()
    scoped: AbstractContextManager[Any] = _controller.limit(limits=limit, user_api="blas")
    return scoped
