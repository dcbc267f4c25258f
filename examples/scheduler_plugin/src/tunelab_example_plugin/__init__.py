"""tunelab-example-plugin: a new tunelab method, packaged as a plugin.

`LocalSearcher` is the algorithm (a `tunelab.core` Searcher); `local_search` composes
it with a `FIFOScheduler`; `conf/method/local_search.yaml` is its preset, which the
Hydra plugin in `hydra_plugins/tunelab_example_plugin/` puts on `tunelab-run`'s
search path, so that `tunelab-run method=local_search` works once this is installed.
"""

from __future__ import annotations

from tunelab_example_plugin.local_search import LocalSearcher
from tunelab_example_plugin.methods import local_search

__all__ = ["LocalSearcher", "local_search"]
