"""The recipes `sklearn-digits-mlp` and `sklearn-breast-cancer-hgb`, small and full."""

from __future__ import annotations

import contextlib
import logging
import shutil
import time
from pathlib import Path
from typing import Any, Literal, get_args

from tunelab.blackbox.blackbox import Blackbox
from tunelab.blackbox.repository import storage
from tunelab.blackbox.repository.recipe import StoredRecipe
from tunelab.blackbox.repository.recipes.sklearn_curves._spec import (
    GeneratorSpec,
    environment_info,
)
from tunelab.core.space import (
    choice,
    logordinal,
    lograndint,
    loguniform,
    randint,
    uniform,
)

logger = logging.getLogger(__name__)

Size = Literal["small", "full"]
SHIPPED_ROOT = Path(__file__).resolve().parents[3] / "data"
"""The package's `tunelab/blackbox/data/` folder holding the small variants."""
REGENERATE_COMMAND = "python -m tunelab.blackbox.repository.recipes.sklearn_curves --write-shipped"

DIGITS_MLP_SPACE: dict[str, Any] = {
    "learning_rate_init": loguniform(1e-4, 0.3),
    "alpha": loguniform(1e-6, 1.0),
    "hidden_units": lograndint(4, 256),
    "n_layers": randint(1, 3),
    "batch_size": logordinal([16, 32, 64, 128, 256]),
    "activation": choice(["relu", "tanh", "logistic"]),
}
BREAST_CANCER_HGB_SPACE: dict[str, Any] = {
    "learning_rate": loguniform(0.01, 1.0),
    "max_leaf_nodes": lograndint(2, 64),
    "min_samples_leaf": lograndint(1, 100),
    "l2_regularization": loguniform(1e-6, 10.0),
    "max_bins": logordinal([7, 15, 31, 63, 127, 255]),
    "max_features": uniform(0.1, 1.0),
}
DIGITS_MLP_SMALL = GeneratorSpec(
    model="mlp",
    dataset="digits",
    configuration_space=DIGITS_MLP_SPACE,
    n_configs=250,
    n_seeds=3,
    max_fidelity=50,
)
BREAST_CANCER_HGB_SMALL = GeneratorSpec(
    model="hgb",
    dataset="breast_cancer",
    configuration_space=BREAST_CANCER_HGB_SPACE,
    n_configs=250,
    n_seeds=3,
    max_fidelity=64,
)
FULL_CONFIGS, FULL_SEEDS = 2000, 5


class SklearnCurvesRecipe(StoredRecipe):
    """Learning curves of scikit-learn models trained on a bundled dataset.

    `size="small"` is shipped inside the package and only read (verified against its
    manifest, never trained or written); `size="full"` is generated on first use
    into `$TUNELAB_HOME/blackboxes/<name>-full/`, resumably: finished chunks are kept
    in `$TUNELAB_HOME/blackboxes/.work/<name>-full/` until the table is complete.

    Args:
        full: The spec of the full variant (default: the small spec with
            2,000 configurations and 5 seeds; its first configurations are the
            small variant's).
        chunk_size: Configurations per chunk of the generation.
        n_jobs: Worker processes of the generation.
    """

    small: GeneratorSpec

    def __init__(
        self, *, full: GeneratorSpec | None = None, chunk_size: int = 50, n_jobs: int = 2
    ) -> None:
        self.full = full or self.small.resized(
            n_configs=FULL_CONFIGS, n_seeds=FULL_SEEDS, max_fidelity=self.small.max_fidelity
        )
        self.chunk_size = chunk_size
        self.n_jobs = n_jobs

    def spec(self, size: Size) -> GeneratorSpec:
        return self.small if _checked(size) == "small" else self.full

    def tasks(self, **options: Any) -> list[str]:
        return [self.small.dataset]

    def folder_name(self, *, size: Size = "small", **options: Any) -> str:
        return self.name if _checked(size) == "small" else f"{self.name}-{size}"

    def folder(self, *, size: Size = "small", **options: Any) -> Path:
        if _checked(size) == "small":
            return SHIPPED_ROOT / self.folder_name(size=size)
        return super().folder(size=size)

    def work_folder(self, size: Size = "full") -> Path:
        """Where the chunks of an unfinished generation are kept."""
        return storage.blackboxes_root() / ".work" / self.folder_name(size=size)

    def load(
        self,
        task: str | None = None,
        *,
        rebuild: bool = False,
        size: Size = "small",
        n_jobs: int | None = None,
        progress: bool = True,
        **options: Any,
    ) -> Blackbox:
        """The table of `task` (the dataset; optional), generating `size="full"` if needed.

        Args:
            task: The dataset name, e.g. "digits" (None: the only task).
            rebuild: Generate the full variant again (not allowed for "small").
            size: "small" (shipped) or "full" (generated on first use).
            n_jobs: Worker processes of a generation (default: the recipe's).
            progress: Show a progress bar while generating.
        """
        self._reject(options)
        if rebuild and size == "small":
            raise ValueError(
                f"blackbox {self.name!r}: the small variant is shipped read-only; "
                f"regenerate it with `{REGENERATE_COMMAND}` or load size='full'"
            )
        folder = self.ensure_built(rebuild=rebuild, size=size, n_jobs=n_jobs, progress=progress)
        task_name = self.pick_task(task, self.tasks())
        return storage.load_tabular(folder / task_name)

    def ensure_built(self, *, rebuild: bool = False, **options: Any) -> Path:
        """The verified folder; the small one is only verified unless `rebuild`."""
        size: Size = options.get("size", "small")
        folder = self.folder(size=size)
        if size == "small" and not rebuild:
            problem = storage.verify(folder)
            if problem is not None:
                raise RuntimeError(
                    f"the shipped blackbox {self.name!r} in {folder} is damaged ({problem}); "
                    f"reinstall tunelab-blackbox or regenerate it with `{REGENERATE_COMMAND}`"
                )
            return folder
        stale = not rebuild and self._is_stale(folder, self.spec(size))
        folder = super().ensure_built(rebuild=rebuild or stale, **options)
        work_folder = self.work_folder(size)
        shutil.rmtree(work_folder, ignore_errors=True)
        with contextlib.suppress(OSError):  # only succeeds when no other work is left
            work_folder.parent.rmdir()
        return folder

    def build(
        self,
        folder: Path,
        *,
        size: Size = "small",
        n_jobs: int | None = None,
        progress: bool = True,
        **options: Any,
    ) -> dict[str, Any]:
        from tunelab.blackbox.repository.recipes.sklearn_curves._generation import (
            generate_tabular,
        )

        self._reject(options)
        spec, jobs = self.spec(size), n_jobs or self.n_jobs
        start = time.perf_counter()
        blackbox = generate_tabular(
            spec,
            work_folder=self.work_folder(size),
            chunk_size=self.chunk_size,
            n_jobs=jobs,
            progress=progress,
            label=self.folder_name(size=size),
        )
        info = {"generator": spec.to_json(), "environment": environment_info(n_jobs=jobs)}
        storage.save_tabular(blackbox, folder / spec.dataset, extra_metadata=info)
        return {**info, "size": size, "generation_seconds": time.perf_counter() - start}

    def _is_stale(self, folder: Path, spec: GeneratorSpec) -> bool:
        """True if `folder` is complete but was generated from another spec."""
        if storage.verify(folder) is not None:
            return False
        stale = storage.read_manifest(folder).get("generator") != spec.to_json()
        if stale:
            logger.warning("blackbox %r in %s has another generator spec", self.name, folder)
        return stale

    def _reject(self, options: dict[str, Any]) -> None:
        if options:
            raise TypeError(
                f"blackbox {self.name!r} got unknown options {sorted(options)}; "
                "it accepts size, n_jobs and progress"
            )


class DigitsMLPRecipe(SklearnCurvesRecipe):
    """`MLPClassifier` (adam, `partial_fit`) on digits; fidelity `epoch` 1..50."""

    name = "sklearn-digits-mlp"
    description = "scikit-learn MLP on the digits dataset, 50 epochs (real learning curves)"
    small = DIGITS_MLP_SMALL


class BreastCancerHGBRecipe(SklearnCurvesRecipe):
    """`HistGradientBoostingClassifier` (`warm_start`) on breast cancer; `iteration` 1..64."""

    name = "sklearn-breast-cancer-hgb"
    description = (
        "scikit-learn histogram gradient boosting on breast cancer, 64 boosting iterations"
    )
    small = BREAST_CANCER_HGB_SMALL


def _checked(size: str) -> Size:
    if size not in get_args(Size):
        raise ValueError(f"size must be one of {list(get_args(Size))}, got {size!r}")
    return size  # type: ignore[return-value]
