"""Real learning curves of scikit-learn models on scikit-learn's bundled datasets.

The embedded default benchmarks, needing no network:

- `sklearn-digits-mlp`: `MLPClassifier` (adam) trained with `partial_fit` on digits,
  fidelity `epoch` 1..50; objectives `val_error`, `val_loss`, `test_error`,
  `train_loss` and `elapsed_time`.
- `sklearn-breast-cancer-hgb`: `HistGradientBoostingClassifier` with `warm_start` on
  breast cancer, fidelity `iteration` (boosting iterations) 1..64; objectives
  `val_error`, `val_loss`, `test_error` and `elapsed_time`.

Errors are 1 - accuracy, losses are the mean cross-entropy (probabilities clipped at
1e-15), `elapsed_time` is the cumulative single-threaded training time in seconds
(evaluation excluded), so it depends on the machine: the metadata records the
`GeneratorSpec`, the library versions and the CPU. The split (60 / 20 / 20, stratified)
is the same for every seed; the seed is the model's `random_state`.

`load(name)` reads the small variant (250 configurations x 3 seeds) shipped in
`tunelab/blackbox/data/`; `load(name, size="full")` generates 2,000 configurations
x 5 seeds into `$TUNELAB_HOME/blackboxes/<name>-full/` on first use (resumable).

Regenerate the shipped tables (from a source checkout) with

    python -m tunelab.blackbox.repository.recipes.sklearn_curves --write-shipped

and build the full variants ahead of use with `... --full`.
"""

from __future__ import annotations

from tunelab.blackbox.repository.recipe import Recipe
from tunelab.blackbox.repository.recipes.sklearn_curves._recipes import (
    BREAST_CANCER_HGB_SMALL,
    DIGITS_MLP_SMALL,
    SHIPPED_ROOT,
    BreastCancerHGBRecipe,
    DigitsMLPRecipe,
    SklearnCurvesRecipe,
)
from tunelab.blackbox.repository.recipes.sklearn_curves._spec import GeneratorSpec

SKLEARN_RECIPES: list[Recipe] = [DigitsMLPRecipe(), BreastCancerHGBRecipe()]

__all__ = [
    "BREAST_CANCER_HGB_SMALL",
    "DIGITS_MLP_SMALL",
    "SHIPPED_ROOT",
    "SKLEARN_RECIPES",
    "BreastCancerHGBRecipe",
    "DigitsMLPRecipe",
    "GeneratorSpec",
    "SklearnCurvesRecipe",
]
