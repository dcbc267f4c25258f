"""The analytic functions as live recipes: `load("branin")`, `load("hartmann6")`, ..."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tunelab.blackbox.analytic import ANALYTIC, AnalyticBlackbox
from tunelab.blackbox.blackbox import Blackbox
from tunelab.blackbox.repository.recipe import Recipe


class AnalyticRecipe(Recipe):
    """Builds nothing: the blackbox is computed from its formula.

    Options go to the factory, e.g. `load("rosenbrock", dimension=6, max_fidelity=81)`.
    """

    def __init__(self, name: str, factory: Callable[..., AnalyticBlackbox]) -> None:
        self.name = name
        self.description = (factory.__doc__ or name).strip().splitlines()[0]
        self.factory = factory

    def load(self, task: str | None = None, *, rebuild: bool = False, **options: Any) -> Blackbox:
        if task is not None:
            raise ValueError(f"blackbox {self.name!r} has no tasks; got {task!r}")
        return self.factory(**options)


ANALYTIC_RECIPES: list[Recipe] = [AnalyticRecipe(name, f) for name, f in ANALYTIC.items()]
