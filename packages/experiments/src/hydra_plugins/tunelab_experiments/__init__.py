"""Hydra plugins of tunelab-experiments (discovered by Hydra; no hydra_plugins/__init__.py)."""
