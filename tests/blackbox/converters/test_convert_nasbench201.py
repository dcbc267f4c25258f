"""The `nasbench201` recipe on small NATS-Bench topology files (both published forms)."""

from __future__ import annotations

import bz2
import hashlib
import pickle
import warnings
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tunelab.blackbox.repository import storage
from tunelab.blackbox.repository.recipes.converters import NASBench201Recipe
from tunelab.blackbox.repository.recipes.converters._nats import cell_operations, load_pickle
from tunelab.blackbox.repository.recipes.converters.nasbench201 import (
    CONFIGURATION_SPACE,
    SOURCE_ENV,
)

from .conftest import load_table

N_EPOCHS = 200
SEEDS = (777, 888, 999)
CELLS = [
    ["nor_conv_3x3", "nor_conv_3x3", "avg_pool_3x3", "skip_connect", "nor_conv_3x3", "none"],
    ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3", "none"],
    ["avg_pool_3x3", "avg_pool_3x3", "avg_pool_3x3", "avg_pool_3x3", "avg_pool_3x3", "none"],
    ["skip_connect", "none", "none", "nor_conv_1x1", "skip_connect", "nor_conv_3x3"],
]
# NATS-Bench dataset -> its evaluation sets (as in the published files)
EVAL_SETS = {
    "cifar10-valid": ("x-valid", "ori-test"),
    "cifar10": ("ori-test",),
    "cifar100": ("x-valid", "x-test", "ori-test"),
    "ImageNet16-120": ("x-valid", "x-test", "ori-test"),
}
DATASET_OFFSET = {"cifar10-valid": 0.0, "cifar10": 3.0, "cifar100": -20.0, "ImageNet16-120": -40.0}
SET_OFFSET = {"train": 5.0, "x-valid": 0.0, "x-test": 0.25, "ori-test": 0.5}
# cell 3 misses seeds: only 777 on cifar100, 777 and 999 on ImageNet16-120
RUN_SEEDS = {(3, "cifar100"): (777,), (3, "ImageNet16-120"): (777, 999)}
NO_EVAL_TIMES = (2, "cifar10-valid")


def accuracy(dataset: str, cell: int, seed: int, subset: str, epoch: int) -> float:
    """Top-1 accuracy in percent after 0-based `epoch`, distinct for every index."""
    return (
        60 + DATASET_OFFSET[dataset] + 5 * cell + SEEDS.index(seed) + SET_OFFSET[subset]
    ) + 0.1 * epoch


def train_time(cell: int, seed: int) -> float:
    return 2.0 + cell + 0.1 * SEEDS.index(seed)


def eval_time(subset: str) -> float:
    return {"x-valid": 0.5, "x-test": 0.25, "ori-test": 0.75}[subset]


def arch_string(ops: list[str]) -> str:
    return f"|{ops[0]}~0|+|{ops[1]}~0|{ops[2]}~1|+|{ops[3]}~0|{ops[4]}~1|{ops[5]}~2|"


def results_count(dataset: str, cell: int, seed: int, n_epochs: int) -> dict[str, Any]:
    """The state dict of NATS-Bench's `ResultsCount` for one run."""
    epochs = range(n_epochs)
    subsets = EVAL_SETS[dataset]
    no_eval_times = (cell, dataset) == NO_EVAL_TIMES
    return {
        "name": f"{dataset}-{seed}",
        "net_state_dict": None,
        "train_acc1es": OrderedDict((e, accuracy(dataset, cell, seed, "train", e)) for e in epochs),
        "train_acc5es": {e: 99.0 for e in epochs},
        "train_losses": {e: 1.0 / (e + 1) for e in epochs},
        "train_times": {e: train_time(cell, seed) for e in epochs},
        "arch_config": {
            "name": "infer.tiny",
            "C": 16,
            "N": 5,
            "arch_str": arch_string(CELLS[cell]),
        },
        "params": 0.1 * (cell + 1),
        "flop": 10.0 * (cell + 1),
        "seed": seed,
        "epochs": n_epochs,
        "latency": [np.float64(0.01 * (cell + 1)), 0.01 * (cell + 1)],
        "eval_names": list(subsets),
        "eval_acc1es": {
            f"{s}@{e}": accuracy(dataset, cell, seed, s, e) for s in subsets for e in epochs
        },
        "eval_losses": {f"{s}@{e}": 1.0 for s in subsets for e in epochs},
        "eval_times": {}
        if no_eval_times
        else {f"{s}@{e}": eval_time(s) for s in subsets for e in epochs},
    }


def arch_results(cell: int, n_epochs: int) -> dict[str, Any]:
    """The state dict of NATS-Bench's `ArchResults` for one cell and schedule."""
    dataset_seed = {d: list(RUN_SEEDS.get((cell, d), SEEDS)) for d in EVAL_SETS}
    return {
        "arch_index": cell,
        "arch_str": arch_string(CELLS[cell]),
        "all_results": {
            (d, s): results_count(d, cell, s, n_epochs)
            for d, seeds in dataset_seed.items()
            for s in seeds
        },
        "dataset_seed": dataset_seed,
        "clear_net_done": True,
    }


def per_schedule(cell: int) -> dict[str, Any]:
    return {"12": arch_results(cell, 12), "200": arch_results(cell, N_EPOCHS)}


def dump(obj: Any, path: Path) -> None:
    with bz2.open(path, "wb") as handle:
        pickle.dump(obj, handle, protocol=4)


def write_archive(folder: Path) -> Path:
    archive = folder / "NATS-tss-v1_0-3ffb9-simple"
    archive.mkdir(parents=True)
    dump({"meta_archs": [arch_string(ops) for ops in CELLS]}, archive / "meta.pickle.pbz2")
    for cell in range(len(CELLS)):
        dump(per_schedule(cell), archive / f"{cell:06d}.pickle.pbz2")
    return archive


def write_benchmark_file(folder: Path) -> Path:
    path = folder / "NATS-tss-v1_0-3ffb9.pickle.pbz2"
    data = {
        "meta_archs": [arch_string(ops) for ops in CELLS],
        "arch2infos": {cell: per_schedule(cell) for cell in range(len(CELLS))},
        "evaluated_indexes": list(range(len(CELLS))),
    }
    dump(data, path)
    return path


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("nats")
    return {"archive": write_archive(root / "torch_home"), "file": write_benchmark_file(root)}


def config(cell: int) -> dict[str, str]:
    return {f"Op{k}": op for k, op in enumerate(CELLS[cell])}


def test_tasks_shapes_and_space(home: Path, sources: dict[str, Path]) -> None:
    recipe = NASBench201Recipe()
    blackbox = load_table(recipe, "cifar10", source=sources["archive"])
    assert recipe.tasks() == ["ImageNet16-120", "cifar10", "cifar100"]
    assert blackbox.objectives.shape == (4, 3, N_EPOCHS, 7)
    assert blackbox.objectives_names == [
        "valid_error",
        "train_error",
        "test_error",
        "elapsed_time",
        "latency",
        "flops",
        "params",
    ]
    assert blackbox.configuration_space == CONFIGURATION_SPACE
    assert blackbox.fidelity_name == "epoch"
    np.testing.assert_array_equal(blackbox.fidelity_values, np.arange(1, N_EPOCHS + 1))
    assert blackbox.time_objective == "elapsed_time"
    assert blackbox.seeds == [0, 1, 2]
    assert blackbox.all_configurations() == [config(c) for c in range(4)]


@pytest.mark.parametrize(
    ("task", "dataset", "test_set"),
    [("cifar10", "cifar10-valid", "ori-test"), ("cifar100", "cifar100", "x-test")],
)
def test_values_follow_the_nats_splits(
    home: Path, sources: dict[str, Path], task: str, dataset: str, test_set: str
) -> None:
    blackbox = load_table(NASBench201Recipe(), task, source=sources["archive"])
    cell, seed, epoch = 1, 888, 42
    values = blackbox.evaluate(config(cell), fidelity=epoch, seed=SEEDS.index(seed))
    expected = {
        "valid_error": 1 - accuracy(dataset, cell, seed, "x-valid", epoch - 1) / 100,
        "train_error": 1 - accuracy(dataset, cell, seed, "train", epoch - 1) / 100,
        "test_error": 1 - accuracy(dataset, cell, seed, test_set, epoch - 1) / 100,
        "elapsed_time": epoch * (train_time(cell, seed) + eval_time("x-valid")),
        "latency": 0.02,
        "flops": 20.0,
        "params": 0.2,
    }
    assert values == pytest.approx(expected, rel=1e-6)


def test_elapsed_time_is_cumulative(home: Path, sources: dict[str, Path]) -> None:
    recipe = NASBench201Recipe()
    for task in ("cifar10", "cifar100", "ImageNet16-120"):
        blackbox = load_table(recipe, task, source=sources["archive"])
        elapsed = blackbox.objectives[..., 3]
        assert np.all(np.diff(elapsed, axis=-1) > 0)
    # cell 2 on cifar10 has no eval times: training time only
    cifar10 = load_table(recipe, "cifar10")
    curve = cifar10.evaluate_curve(config(2), seed=0)["elapsed_time"]
    np.testing.assert_allclose(curve, train_time(2, 777) * np.arange(1, N_EPOCHS + 1), rtol=1e-6)
    metadata = storage.read_task_metadata(recipe.folder() / "cifar10")
    assert metadata["runs_without_eval_time"] == 3


def test_missing_seeds_cycle_through_available_runs(home: Path, sources: dict[str, Path]) -> None:
    recipe = NASBench201Recipe()
    cifar100 = load_table(recipe, "cifar100", source=sources["archive"])
    only = cifar100.objectives[3, 0]
    np.testing.assert_array_equal(cifar100.objectives[3, 1], only)
    np.testing.assert_array_equal(cifar100.objectives[3, 2], only)
    imagenet = load_table(recipe, "ImageNet16-120")
    # slots 777, 888, 999 with runs 777 and 999: slot 888 (j=1) takes run 1 mod 2 = 999
    np.testing.assert_array_equal(imagenet.objectives[3, 1], imagenet.objectives[3, 2])
    assert not np.array_equal(imagenet.objectives[3, 0], imagenet.objectives[3, 2])
    valid = imagenet.evaluate(config(3), fidelity=1, seed=1)["valid_error"]
    assert valid == pytest.approx(1 - accuracy("ImageNet16-120", 3, 999, "x-valid", 0) / 100)
    tasks = storage.read_manifest(recipe.folder())["tasks"]
    assert tasks["cifar100"]["filled_seed_slots"] == 2
    assert tasks["ImageNet16-120"]["filled_seed_slots"] == 1
    assert tasks["cifar10"]["filled_seed_slots"] == 0
    assert tasks["cifar10"]["nats_seeds"] == list(SEEDS)


def test_benchmark_file_gives_the_same_tables(home: Path, sources: dict[str, Path]) -> None:
    recipe = NASBench201Recipe()
    from_archive = load_table(recipe, "ImageNet16-120", source=sources["archive"])
    from_file = load_table(recipe, "ImageNet16-120", source=sources["file"], rebuild=True)
    np.testing.assert_array_equal(from_file.objectives, from_archive.objectives)
    assert from_file.all_configurations() == from_archive.all_configurations()
    manifest = storage.read_manifest(recipe.folder())
    [record] = manifest["sources"]
    assert record["sha256"] == hashlib.sha256(sources["file"].read_bytes()).hexdigest()


def test_manifest_and_folder_lookup(home: Path, sources: dict[str, Path]) -> None:
    recipe = NASBench201Recipe()
    load_table(recipe, "cifar10", source=sources["archive"].parent)  # like $TORCH_HOME
    assert storage.verify(recipe.folder()) is None
    [record] = storage.read_manifest(recipe.folder())["sources"]
    assert record["directory"] == "NATS-tss-v1_0-3ffb9-simple"
    assert record["n_files"] == 1 + len(CELLS)
    assert len(record["sha256"]) == 64


def test_missing_source_names_the_environment_variable(home: Path) -> None:
    with pytest.raises(FileNotFoundError, match=SOURCE_ENV):
        load_table(NASBench201Recipe(), "cifar10")


def test_missing_cell_file(home: Path, tmp_path: Path) -> None:
    archive = write_archive(tmp_path / "broken")
    (archive / "000002.pickle.pbz2").unlink()
    with pytest.raises(FileNotFoundError, match=r"000002\.pickle\.pbz2"):
        load_table(NASBench201Recipe(), "cifar10", source=archive)
    assert not (home / "blackboxes" / "nasbench201").exists()


def test_unpickler_reads_data_only(tmp_path: Path) -> None:
    path = tmp_path / "evil.pickle.pbz2"
    with bz2.open(path, "wb") as handle:
        handle.write(b"cos\nsystem\n(S'echo unsafe'\ntR.")
    with pytest.raises(pickle.UnpicklingError, match=r"os\.system"):
        load_pickle(path)
    # a torch tensor (as in the -full archives) becomes a placeholder, without torch
    with bz2.open(path, "wb") as handle:
        handle.write(b"(dp0\nS'w'\nctorch._utils\n_rebuild_tensor_v2\n(I1\nI2\ntRp1\ns.")
    loaded = load_pickle(path)
    assert list(loaded) == ["w"]
    assert type(loaded["w"]).__module__.endswith("_nats")
    # numpy values pickled under numpy 1 (numpy.core) by a protocol-2 pickler
    legacy = pickle.dumps({"a": np.float64(1.5), "b": np.arange(3.0)}, protocol=2)
    legacy = legacy.replace(b"numpy._core.", b"numpy.core.")
    with bz2.open(path, "wb") as handle:
        handle.write(legacy)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = load_pickle(path)
    assert loaded["a"] == 1.5
    np.testing.assert_array_equal(loaded["b"], [0.0, 1.0, 2.0])


def test_cell_strings() -> None:
    assert cell_operations(arch_string(CELLS[0])) == CELLS[0]
    with pytest.raises(ValueError, match="inputs"):
        cell_operations("|none~0|+|none~1|none~0|+|none~0|none~1|none~2|")
    with pytest.raises(ValueError, match="3"):
        cell_operations("|none~0|+|none~0|none~1|")
