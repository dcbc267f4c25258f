"""Adds the plugin's configs (its `method/` presets) to Hydra's search path."""

from __future__ import annotations

from hydra.core.config_search_path import ConfigSearchPath
from hydra.plugins.search_path_plugin import SearchPathPlugin


class TunelabExamplePluginSearchPathPlugin(SearchPathPlugin):
    """Appends `pkg://tunelab_example_plugin.conf`: built-in and user configs win."""

    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        search_path.append(
            provider="tunelab-example-plugin", path="pkg://tunelab_example_plugin.conf"
        )
