"""Regenerate the shipped small tables, or build the full ones ahead of use.

python -m tunelab.blackbox.repository.recipes.sklearn_curves --write-shipped
python -m tunelab.blackbox.repository.recipes.sklearn_curves --full --n-jobs 2
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

from tunelab.blackbox.repository.recipes.sklearn_curves import SKLEARN_RECIPES, SklearnCurvesRecipe


def main(argv: Sequence[str] | None = None) -> None:
    recipes = [r for r in SKLEARN_RECIPES if isinstance(r, SklearnCurvesRecipe)]
    parser = argparse.ArgumentParser(
        prog="python -m tunelab.blackbox.repository.recipes.sklearn_curves",
        description="Regenerate the shipped small tables, or build the full ones.",
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--write-shipped", action="store_true", help="regenerate tunelab/blackbox/data/"
    )
    target.add_argument("--full", action="store_true", help="build into $TUNELAB_HOME")
    parser.add_argument("--n-jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument(
        "--only", action="append", choices=[r.name for r in recipes], help="one blackbox"
    )
    args = parser.parse_args(argv)
    size = "small" if args.write_shipped else "full"
    for recipe in recipes:
        if args.only and recipe.name not in args.only:
            continue
        start = time.perf_counter()
        folder = recipe.ensure_built(rebuild=args.write_shipped, size=size, n_jobs=args.n_jobs)
        megabytes = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
        seconds = time.perf_counter() - start
        print(f"{recipe.name} ({size}): {folder}, {megabytes:.2f} MB, {seconds:.0f} s")


if __name__ == "__main__":
    main()
