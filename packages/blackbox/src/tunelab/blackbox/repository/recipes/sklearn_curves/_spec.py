"""`GeneratorSpec`: everything that determines a generated learning-curve table."""

from __future__ import annotations

import dataclasses
import os
import platform
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np

from tunelab.core.space import config_space_to_json, hyperparameter_names, sample_config

ModelKind = Literal["mlp", "hgb"]
DatasetName = Literal["digits", "breast_cancer", "wine", "iris"]
"""scikit-learn's bundled classification datasets (no download needed)."""

TIME_OBJECTIVE = "elapsed_time"
# (fidelity name, objectives in the order of the table's last axis)
_OUTPUTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "mlp": ("epoch", ("val_error", "val_loss", "test_error", "train_loss", TIME_OBJECTIVE)),
    "hgb": ("iteration", ("val_error", "val_loss", "test_error", TIME_OBJECTIVE)),
}


@dataclass(frozen=True)
class GeneratorSpec:
    """How a learning-curve table is generated; equal specs give equal tables
    (apart from `elapsed_time`, which depends on the machine).

    Configuration `i` is the `i`-th draw of `sample_config` from a generator seeded
    with `sampling_seed`, so a larger `n_configs` extends a smaller table. Repetition
    (seed) `s` trains with `random_state=s` (initialisation, batch shuffling, feature
    subsampling); the train / validation / test split is the same for every seed,
    drawn once with `split_seed`, so seeds differ only by training randomness.

    Attributes:
        model: "mlp" (`MLPClassifier` trained with `partial_fit`, fidelity `epoch`) or
            "hgb" (`HistGradientBoostingClassifier` with `warm_start`, fidelity
            `iteration`, the number of boosting iterations).
        dataset: A scikit-learn bundled classification dataset.
        configuration_space: The space the configurations are drawn from.
        n_configs: Number of configurations.
        n_seeds: Number of repetitions per configuration (seeds 0, ..., n_seeds - 1).
        max_fidelity: Curves are recorded at fidelities 1, 2, ..., max_fidelity.
        sampling_seed: Seed of the configuration draws.
        split_seed: Seed of the stratified train / validation / test split.
        val_fraction: Share of the data in the validation set.
        test_fraction: Share of the data in the test set.
    """

    model: ModelKind
    dataset: DatasetName
    configuration_space: dict[str, Any]
    n_configs: int
    n_seeds: int
    max_fidelity: int
    sampling_seed: int = 0
    split_seed: int = 0
    val_fraction: float = 0.2
    test_fraction: float = 0.2

    def __post_init__(self) -> None:
        _check_member(self.model, ModelKind, "model")
        _check_member(self.dataset, DatasetName, "dataset")
        for name in ("n_configs", "n_seeds", "max_fidelity"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"GeneratorSpec.{name} must be an int >= 1, got {value!r}")
        fractions = (self.val_fraction, self.test_fraction)
        if not all(0 < f < 1 for f in fractions) or sum(fractions) >= 0.9:
            raise ValueError(
                "GeneratorSpec needs 0 < val_fraction, test_fraction and "
                f"val_fraction + test_fraction < 0.9, got {fractions}"
            )
        if not hyperparameter_names(self.configuration_space):
            raise ValueError("GeneratorSpec.configuration_space has no hyperparameter")

    @property
    def fidelity_name(self) -> str:
        return _OUTPUTS[self.model][0]

    @property
    def objectives_names(self) -> list[str]:
        return list(_OUTPUTS[self.model][1])

    @property
    def fidelity_values(self) -> np.ndarray:
        """1, 2, ..., max_fidelity; shape (max_fidelity,)."""
        return np.arange(1, self.max_fidelity + 1)

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """Shape of the objectives array: (configs, seeds, fidelities, objectives)."""
        return (self.n_configs, self.n_seeds, self.max_fidelity, len(self.objectives_names))

    def sample_configs(self) -> list[dict[str, Any]]:
        """The `n_configs` configurations, in table order."""
        rng = np.random.default_rng(self.sampling_seed)
        return [sample_config(self.configuration_space, rng) for _ in range(self.n_configs)]

    def resized(self, *, n_configs: int, n_seeds: int, max_fidelity: int) -> GeneratorSpec:
        """This spec with other sizes (its first configurations stay the same)."""
        return dataclasses.replace(
            self, n_configs=n_configs, n_seeds=n_seeds, max_fidelity=max_fidelity
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable description, as recorded in metadata and manifests."""
        fields = dataclasses.asdict(self)
        fields["configuration_space"] = config_space_to_json(self.configuration_space)
        return fields


def environment_info(*, n_jobs: int) -> dict[str, Any]:
    """Library versions and machine: `elapsed_time` values are only comparable on it."""
    import sklearn

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "parallel_jobs": n_jobs,
        "threads_per_job": 1,
    }


def _cpu_model() -> str | None:
    cpuinfo = Path("/proc/cpuinfo")
    if not sys.platform.startswith("linux") or not cpuinfo.is_file():
        return None
    for line in cpuinfo.read_text(errors="replace").splitlines():
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return None


def _check_member(value: str, kind: Any, where: str) -> None:
    allowed = get_args(kind)
    if value not in allowed:
        raise ValueError(f"GeneratorSpec.{where} must be one of {list(allowed)}, got {value!r}")
