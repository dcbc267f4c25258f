"""The blackbox repository: named benchmarks, built once and loaded by name.

```python
from tunelab.blackbox import list_blackboxes, load

print(list_blackboxes())
blackbox = load("sklearn-digits-mlp")
```

Names may carry a task: `load("yahpo-lcbench/167190", source="~/yahpo_data")`;
`load_tasks("yahpo-lcbench-tables")` gives every task of a family at once (for
transfer learning across tasks).
Packages can add recipes through the entry-point group `tunelab.blackboxes`
(each entry point names a `Recipe` subclass or instance).
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from tunelab.blackbox.blackbox import Blackbox
from tunelab.blackbox.repository.recipe import Recipe, StoredRecipe

if TYPE_CHECKING:
    from tunelab.blackbox.multitask import MultiTaskBlackbox

_RECIPES: dict[str, Recipe] = {}
_discovered = False
ENTRY_POINT_GROUP = "tunelab.blackboxes"


def register_recipe(recipe: Recipe) -> Recipe:
    """Make `recipe` loadable by its name (a later registration replaces an earlier)."""
    if not recipe.name:
        raise ValueError(f"{type(recipe).__name__} has no name")
    _RECIPES[recipe.name] = recipe
    return recipe


def _discover() -> None:
    """Register the built-in recipes and those of installed plugins, once.

    Recipes registered explicitly before discovery keep precedence.
    """
    global _discovered
    if _discovered:
        return
    _discovered = True
    from tunelab.blackbox.repository.recipes import builtin_recipes

    found = list(builtin_recipes())
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        loaded = entry_point.load()
        found.append(loaded() if isinstance(loaded, type) else loaded)
    for recipe in found:
        _RECIPES.setdefault(recipe.name, recipe)


def all_recipes() -> dict[str, Recipe]:
    """Every registered recipe by name."""
    _discover()
    return dict(_RECIPES)


def list_blackboxes() -> list[str]:
    """Names accepted by `load`, sorted."""
    return sorted(all_recipes())


def load(name: str, *, rebuild: bool = False, **options: Any) -> Blackbox:
    """The blackbox called `name` (`"<blackbox>"` or `"<blackbox>/<task>"`).

    Stored blackboxes are built on first use into `$TUNELAB_HOME/blackboxes/` and
    verified on each load; a corrupt folder is rebuilt. `options` go to the recipe
    (e.g. `source=` for data the user downloaded).
    """
    base, _, task = name.partition("/")
    known = all_recipes()
    if base not in known:
        raise ValueError(f"unknown blackbox {base!r}; known blackboxes: {sorted(known)}")
    return known[base].load(task or None, rebuild=rebuild, **options)


def load_tasks(name: str, **options: Any) -> MultiTaskBlackbox:
    """Every task of the blackbox family `name` (e.g. `"yahpo-lcbench-tables"`).

    `options` go to the recipe, as in `load` (e.g. `source=` for data the user
    downloaded); a stored family whose tasks are known only once built is built
    first. Tasks load on demand.

    Raises:
        ValueError: for an unknown name, a name with a task, or a family whose tasks
            are not known.
    """
    from tunelab.blackbox.multitask import MultiTaskBlackbox
    from tunelab.blackbox.repository.recipes.yahpo import YahpoRecipe
    from tunelab.blackbox.repository.storage import array_cache_folder

    base, _, task = name.partition("/")
    if task:
        raise ValueError(
            f"load_tasks({name!r}): give the family without a task ({base!r}); the tasks "
            "are the result's `.tasks`"
        )
    known = all_recipes()
    if base not in known:
        raise ValueError(f"unknown blackbox {base!r}; known blackboxes: {sorted(known)}")
    recipe = known[base]
    tasks = recipe.tasks(**options)
    if not tasks and isinstance(recipe, StoredRecipe):
        recipe.ensure_built(**options)
        tasks = recipe.tasks(**options)
    if not tasks:
        raise ValueError(f"blackbox {base!r} names no tasks, so it is not a multi-task blackbox")
    identity = None
    if isinstance(recipe, YahpoRecipe):
        from tunelab.blackbox.repository._fingerprints import file_stamp

        model = recipe.data_folder(options.get("source")) / "model.onnx"
        identity = f"{model.resolve()}:{file_stamp(model)}:{sorted(options.items())}"

    def load_task(task: str) -> Blackbox:
        return recipe.load(task, **options)

    return MultiTaskBlackbox(
        name=base,
        tasks=tasks,
        load_task=load_task,
        cache_folder=array_cache_folder().parent / "transfer",
        cache_identity=identity,
    )


__all__ = [
    "ENTRY_POINT_GROUP",
    "Recipe",
    "StoredRecipe",
    "all_recipes",
    "list_blackboxes",
    "load",
    "load_tasks",
    "register_recipe",
]
