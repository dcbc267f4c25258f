"""Hydra plugin of tunelab-example-plugin (no `hydra_plugins/__init__.py`: a namespace)."""
