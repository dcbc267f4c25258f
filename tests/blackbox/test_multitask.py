"""`MultiTaskBlackbox` and `load_tasks`: every task of a family, and the evaluations of
all but a target in one call, from local data only (shipped tables, small fixtures)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tunelab.blackbox import (
    Blackbox,
    MultiTaskBlackbox,
    TabularBlackbox,
    branin,
    load,
    load_tasks,
)
from tunelab.core.transfer import TaskEvaluations

from .conftest import make_table

LCBENCH_TASKS = ["167161", "167184", "189906"]


def family(**options: object) -> MultiTaskBlackbox:
    tables = {"a": make_table(n_configs=30), "b": make_table(n_configs=20), "c": make_table()}
    return MultiTaskBlackbox(name="toy", tasks=list(tables), load_task=tables.__getitem__)


def test_all_other_tasks_in_one_call_never_include_the_target() -> None:
    evaluations = family().transfer_evaluations(exclude="b")
    assert sorted(evaluations) == ["a", "c"]
    assert all(isinstance(e, TaskEvaluations) for e in evaluations.values())
    assert evaluations["a"].objectives.shape == (30, 3, 10, 2)
    assert list(evaluations["a"].fidelities) == list(range(1, 11))  # type: ignore[arg-type]


def test_a_table_gives_its_own_rows_and_values() -> None:
    table = make_table(n_configs=30)
    tasks = MultiTaskBlackbox(name="one", tasks=["x", "y"], load_task=lambda _: table)
    found = tasks.task_evaluations("x", metric="error")
    assert found.objectives_names == ["error"]
    np.testing.assert_array_equal(found.objectives[..., 0], table.objectives[..., 0])
    assert list(found.configs.columns) == ["lr", "layers", "act"]
    assert (
        found.configs.iloc[4].to_dict()
        == table.hyperparameters.iloc[4][["lr", "layers", "act"]].to_dict()
    )


def test_max_configs_takes_a_seeded_subset_of_a_table() -> None:
    tasks = family()
    first = tasks.task_evaluations("a", max_configs=7, seed=3)
    again = tasks.task_evaluations("a", max_configs=7, seed=3)
    other = tasks.task_evaluations("a", max_configs=7, seed=4)
    assert first.n_configs == 7
    assert first.configs.equals(again.configs)
    assert not first.configs.equals(other.configs)


def test_a_task_without_a_table_is_evaluated_at_a_fixed_sample() -> None:
    calls: list[str] = []

    def load_task(task: str) -> Blackbox:
        calls.append(task)
        return branin()

    tasks = MultiTaskBlackbox(name="fn", tasks=["p", "q"], load_task=load_task)
    found = tasks.transfer_evaluations(exclude="p", max_configs=16, seed=1)["q"]
    assert found.objectives.shape[0] == 16 and found.n_configs == 16
    again = tasks.transfer_evaluations(exclude="p", max_configs=16, seed=1)["q"]
    assert found is again or found.configs.equals(again.configs)
    blackbox = branin()
    name = blackbox.objectives_names[0]
    expected = blackbox.evaluate(found.config(5))[name]
    assert found.objective(name)[5] == pytest.approx(expected)
    assert calls == ["q"]  # loaded once, only the task asked for


def test_bad_requests_name_the_offending_value() -> None:
    tasks = family()
    with pytest.raises(ValueError, match="no task 'z'"):
        tasks.transfer_evaluations(exclude="z")
    with pytest.raises(ValueError, match="'b' is excluded"):
        tasks.transfer_evaluations(exclude="b", tasks=["a", "b"])
    with pytest.raises(ValueError, match="no objective"):
        tasks.transfer_evaluations(exclude="b", metric="accuracy")
    with pytest.raises(ValueError, match="max_configs"):
        tasks.task_evaluations("a", max_configs=0)
    single = MultiTaskBlackbox(name="solo", tasks=["only"], load_task=lambda _: make_table())
    with pytest.raises(ValueError, match="no task besides 'only'"):
        single.transfer_evaluations(exclude="only")


def test_the_shipped_lcbench_tables_are_a_multi_task_blackbox() -> None:
    lcbench = load_tasks("yahpo-lcbench-tables")
    assert lcbench.tasks == LCBENCH_TASKS
    assert isinstance(lcbench.task("189906"), TabularBlackbox)
    found = lcbench.transfer_evaluations(exclude="189906", metric="val_accuracy", max_configs=50)
    assert sorted(found) == ["167161", "167184"]
    assert found["167161"].objectives.shape == (50, 1, 52, 1)
    best = found["167161"].best_configs("val_accuracy", "max", 3)
    table = load("yahpo-lcbench-tables/167161")
    assert isinstance(table, TabularBlackbox)
    top = np.nanmax(table.objectives[:, 0, -1, table.objectives_names.index("val_accuracy")])
    assert table.evaluate(best[0])["val_accuracy"] <= top


def test_load_tasks_refuses_a_name_with_a_task_or_unknown() -> None:
    with pytest.raises(ValueError, match="without a task"):
        load_tasks("yahpo-lcbench-tables/189906")
    with pytest.raises(ValueError, match="unknown blackbox"):
        load_tasks("no-such-benchmark")


def test_final_tables_of_a_folder_are_tasks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pandas as pd

    monkeypatch.setenv("TUNELAB_HOME", str(tmp_path / "home"))
    rows = [
        {
            "Op0": op,
            **{f"Op{e}": "none" for e in range(1, 6)},
            "seed": 0,
            "val_acc": acc,
            "train_time": 1.0,
            "latency": 0.1,
            "model_size": 0.2,
        }
        for op, acc in (("none", 10.0), ("skip_connect", 20.0))
    ]
    for task in ("cifar10", "cifar100"):
        pd.DataFrame(rows).to_parquet(tmp_path / f"nasbench201_{task}.parquet")
    tasks = load_tasks("nasbench201-final", source=str(tmp_path))
    assert tasks.tasks == ["cifar10", "cifar100"]
    found = tasks.transfer_evaluations(exclude="cifar10", metric="val_acc")
    assert list(found) == ["cifar100"]
    assert found["cifar100"].fidelities is None
    assert found["cifar100"].best_configs("val_acc", "max", 1)[0]["Op0"] == "skip_connect"


YAHPO = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "yahpo"


@pytest.mark.skipif(not (YAHPO / "lcbench" / "model.onnx").is_file(), reason="no yahpo data")
def test_yahpo_lcbench_tasks_are_sampled_once_and_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUNELAB_HOME", str(tmp_path / "home"))
    lcbench = load_tasks("yahpo-lcbench", source=str(YAHPO))
    assert len(lcbench.tasks) == 34
    target, *others = lcbench.tasks[:3]
    found = lcbench.transfer_evaluations(exclude=target, tasks=others, max_configs=8)
    assert sorted(found) == sorted(others)
    sample = found[others[0]]
    assert sample.objectives.shape == (8, 1, 52, len(sample.objectives_names))
    assert list((tmp_path / "home").rglob("*.npy")), "the sample is cached on disk"
    fresh = load_tasks("yahpo-lcbench", source=str(YAHPO))
    again = fresh.transfer_evaluations(exclude=target, tasks=others, max_configs=8)
    np.testing.assert_array_equal(again[others[0]].objectives, sample.objectives)
    direct = fresh.task(others[0]).evaluate(sample.config(2), seed=None)
    assert sample.objective("val_accuracy")[2] == pytest.approx(direct["val_accuracy"], rel=1e-6)
