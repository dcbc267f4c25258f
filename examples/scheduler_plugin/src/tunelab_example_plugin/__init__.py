"""tunelab-example-plugin: a new tunelab method, packaged as a plugin.

`LocalSearcher` is the algorithm (a `tunelab.core` Searcher); `conf/searcher/local.yaml`
names it for `tunelab-run`, so it runs under any scheduler preset
(`tunelab-run method=asha searcher=local`); `local_search` (Python) and
`conf/method/local_search.yaml` compose it with FIFO scheduling. The Hydra plugin in
`hydra_plugins/tunelab_example_plugin/` puts `conf/` on `tunelab-run`'s search path
once this is installed.
"""

from __future__ import annotations

from tunelab_example_plugin.local_search import LocalSearcher
from tunelab_example_plugin.methods import local_search

__all__ = ["LocalSearcher", "local_search"]
