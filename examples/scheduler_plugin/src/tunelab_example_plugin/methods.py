"""The plugin's method: FIFO scheduling with its searcher, as a composition."""

from __future__ import annotations

from tunelab.core.methods import compose, fifo
from tunelab_example_plugin.local_search import LocalSearcher

local_search = compose(
    fifo,
    name="local_search",
    searcher=LocalSearcher,
    doc="Local search: `fifo` with `LocalSearcher` (see it for the arguments). The "
    "searcher alone runs under any scheduler preset: `asha(space, ..., "
    "searcher=LocalSearcher)`, or `tunelab-run method=asha searcher=local`.",
)
