"""The blackbox repository: named benchmarks, built once and loaded by name.

```python
from tunelab.blackbox import list_blackboxes, load

print(list_blackboxes())
blackbox = load("sklearn-digits-mlp")
```

Names may carry a task: `load("yahpo-lcbench/167190", source="~/yahpo_data")`.
Packages can add recipes through the entry-point group `tunelab.blackboxes`
(each entry point names a `Recipe` subclass or instance).
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

from tunelab.blackbox.blackbox import Blackbox
from tunelab.blackbox.repository.recipe import Recipe

_RECIPES: dict[str, Recipe] = {}
ENTRY_POINT_GROUP = "tunelab.blackboxes"


def register_recipe(recipe: Recipe) -> Recipe:
    """Make `recipe` loadable by its name (a later registration replaces an earlier)."""
    if not recipe.name:
        raise ValueError(f"{type(recipe).__name__} has no name")
    _RECIPES[recipe.name] = recipe
    return recipe


def _discover() -> None:
    from tunelab.blackbox.repository import recipes  # noqa: F401 - registers built-ins

    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        loaded = entry_point.load()
        register_recipe(loaded() if isinstance(loaded, type) else loaded)


def recipes() -> dict[str, Recipe]:
    """Every registered recipe by name."""
    if not _RECIPES:
        _discover()
    return dict(_RECIPES)


def list_blackboxes() -> list[str]:
    """Names accepted by `load`, sorted."""
    return sorted(recipes())


def load(name: str, *, rebuild: bool = False, **options: Any) -> Blackbox:
    """The blackbox called `name` (`"<blackbox>"` or `"<blackbox>/<task>"`).

    Stored blackboxes are built on first use into `$TUNELAB_HOME/blackboxes/` and
    verified on each load; a corrupt folder is rebuilt. `options` go to the recipe
    (e.g. `source=` for data the user downloaded).
    """
    base, _, task = name.partition("/")
    known = recipes()
    if base not in known:
        raise ValueError(f"unknown blackbox {base!r}; known blackboxes: {sorted(known)}")
    return known[base].load(task or None, rebuild=rebuild, **options)


__all__ = ["ENTRY_POINT_GROUP", "Recipe", "list_blackboxes", "load", "recipes", "register_recipe"]
