"""Adds the configs of tunelab-experiments (and the user's `./conf`) to Hydra's search path."""

from __future__ import annotations

import os
from pathlib import Path

from hydra.core.config_search_path import ConfigSearchPath
from hydra.plugins.search_path_plugin import SearchPathPlugin

CONF_ENV = "TUNELAB_CONF"


class TunelabSearchPathPlugin(SearchPathPlugin):
    """`$TUNELAB_CONF` or `./conf` first, so that a user's own configs win.

    The package's presets (`tunelab.experiments.conf`) are the app's primary config
    path; the other entry makes them reachable from any Hydra app as well.
    """

    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        user = Path(os.environ.get(CONF_ENV, "conf")).expanduser()
        if user.is_dir():
            search_path.prepend(provider="tunelab-user", path=f"file://{user.absolute()}")
        search_path.append(provider="tunelab-experiments", path="pkg://tunelab.experiments.conf")
