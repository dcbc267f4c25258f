"""Grouping experiments into jobs: seeds of one method x benchmark together."""

from __future__ import annotations

from tunelab.experiments.sagemaker.grouping import PlannedExperiment, group_experiments


def sweep(methods: list[str], benchmarks: list[str], seeds: int) -> list[PlannedExperiment]:
    experiments: list[PlannedExperiment] = []
    for method in methods:
        for benchmark in benchmarks:
            for seed in range(seeds):
                overrides = (f"method={method}", f"benchmark={benchmark}", f"seed={seed}")
                config = {
                    "method": {"name": method},
                    "benchmark": {"name": benchmark},
                    "seed": seed,
                    "study": "s",
                }
                experiments.append(PlannedExperiment(len(experiments), overrides, config))
    return experiments


def test_default_groups_all_seeds_of_a_method_on_a_benchmark() -> None:
    groups = group_experiments(sweep(["a", "b", "c"], ["x", "y"], 5))
    assert len(groups) == 6
    assert [g.index for g in groups] == list(range(6))
    first = groups[0]
    assert [e.seed for e in first.experiments] == [0, 1, 2, 3, 4]
    assert {(e.method, e.benchmark) for e in first.experiments} == {("a", "x")}
    assert first.label == "a on x, seed(s) 0,1,2,3,4"
    assert first.rerun_overrides() == ["method=a", "benchmark=x", "seed=0,1,2,3,4"]


def test_group_size_and_single_seed_methods() -> None:
    experiments = sweep(["a", "b", "c"], ["x", "y"], 5)
    chunks = group_experiments(experiments, group_size=2)
    assert len(chunks) == 6 * 3  # 2 + 2 + 1 per method x benchmark
    assert [len(g.experiments) for g in chunks[:3]] == [2, 2, 1]
    assert chunks[2].rerun_overrides() == ["method=a", "benchmark=x", "seed=4"]
    single = group_experiments(experiments, single_seed_methods=["c"])
    assert len(single) == 4 + 10
    assert all(len(g.experiments) == 1 for g in single if g.experiments[0].method == "c")
    # deterministic: the same sweep gives the same groups
    assert single == group_experiments(experiments, single_seed_methods=["c"])


def test_other_swept_settings_get_groups_of_their_own() -> None:
    experiments = [
        PlannedExperiment(
            i,
            ("method=a", "benchmark=x", f"n_workers={w}", f"seed={s}"),
            {"method": {"name": "a"}, "benchmark": {"name": "x"}, "seed": s, "study": "s"},
        )
        for i, (w, s) in enumerate((w, s) for w in (1, 4) for s in (0, 1))
    ]
    groups = group_experiments(experiments)
    assert [g.rerun_overrides() for g in groups] == [
        ["method=a", "benchmark=x", "n_workers=1", "seed=0,1"],
        ["method=a", "benchmark=x", "n_workers=4", "seed=0,1"],
    ]
