"""The built-in recipes."""

from __future__ import annotations

from tunelab.blackbox.repository.recipe import Recipe


def builtin_recipes() -> list[Recipe]:
    """Every recipe that ships with tunelab-blackbox."""
    from tunelab.blackbox.repository.recipes.analytic import ANALYTIC_RECIPES

    return [*ANALYTIC_RECIPES]
