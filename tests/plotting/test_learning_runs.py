"""Which experiments get learning curves, and in which grid figure and panel."""

from __future__ import annotations

from tunelab.plotting._learning_runs import LearningRun, grid_slots, learning_grids
from tunelab.plotting.report import _grid_names


def runs(
    *specs: tuple[str, str, int], metric: str = "loss", mode: str = "min"
) -> dict[str, LearningRun]:
    return {
        f"{b}/{m}/{s}": LearningRun(benchmark=b, method=m, seed=s, metric=metric, mode=mode)
        for b, m, s in specs
    }


def test_one_grid_per_benchmark_in_the_report_order_of_methods() -> None:
    learning = runs(("b2", "asha", 0), ("b1", "asha", 0), ("b1", "bo", 0), ("b1", "rs", 0))
    grids = learning_grids(learning, methods=["rs", "asha"])  # then the others, sorted
    assert grids == [["b1/rs/0", "b1/asha/0", "b1/bo/0"], ["b2/asha/0"]]
    assert list(_grid_names(learning, ["rs", "asha"])) == ["b1", "b2"]


def test_a_benchmark_whose_methods_differ_in_the_metric_gets_a_grid_per_metric() -> None:
    learning = runs(("b/1", "asha", 0)) | runs(("b/1", "bo", 0), metric="acc", mode="max")
    names = _grid_names(learning, ["asha", "bo"])
    assert names == {"b_1-loss-min": ["b/1/asha/0"], "b_1-acc-max": ["b/1/bo/0"]}


def test_one_seed_each_fills_rows_several_seeds_a_row_per_method() -> None:
    learning = runs(*[("b", m, 0) for m in ("a", "b", "c", "d", "e")])
    assert grid_slots(list(learning), learning) == (list(learning), 4)
    assert grid_slots(list(learning)[:2], learning) == (list(learning)[:2], 2)
    learning = runs(("b", "a", 0), ("b", "a", 2), ("b", "c", 1), ("b", "c", 2))
    slots, ncols = grid_slots(list(learning), learning)
    assert ncols == 3  # seeds 0, 1, 2
    assert slots == ["b/a/0", None, "b/a/2", None, "b/c/1", "b/c/2"]
