"""The built-in recipes."""

from __future__ import annotations

from tunelab.blackbox.repository.recipe import Recipe


def builtin_recipes() -> list[Recipe]:
    """Every recipe that ships with tunelab-blackbox."""
    from tunelab.blackbox.repository.recipes.analytic import ANALYTIC_RECIPES
    from tunelab.blackbox.repository.recipes.converters import CONVERTER_RECIPES
    from tunelab.blackbox.repository.recipes.lcbench_tables import YahpoLcbenchTablesRecipe
    from tunelab.blackbox.repository.recipes.sklearn_curves import SKLEARN_RECIPES
    from tunelab.blackbox.repository.recipes.tables import TABLE_RECIPES
    from tunelab.blackbox.repository.recipes.yahpo import yahpo_recipes

    return [
        *SKLEARN_RECIPES,
        YahpoLcbenchTablesRecipe(),
        *ANALYTIC_RECIPES,
        *TABLE_RECIPES,
        *CONVERTER_RECIPES,
        *yahpo_recipes(),
    ]
