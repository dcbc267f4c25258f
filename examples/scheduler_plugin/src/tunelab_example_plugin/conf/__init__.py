"""Hydra configs of the plugin (`method/<name>.yaml`), read through `pkg://`."""
