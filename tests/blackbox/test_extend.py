"""Extending a complete experiment with a larger budget (issue 14, item 15): the
earlier results stay, the simulated clock and trial ids continue, trials running
at the end resume from their checkpoints, and the extension is in metadata.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import cast

import pandas as pd
import pytest

from tunelab.blackbox import SimulatorBackend, branin
from tunelab.core import StoppingCriterion, Tuner, TunerOptions, load_experiment
from tunelab.core.methods import asha_prom

BLACKBOX = branin(max_fidelity=27, time_per_step=10.0)
SPACE = {**BLACKBOX.configuration_space, "epochs": 27}
QUIET = TunerOptions(progress_interval=None)


def make_tuner(path: Path, budget: float, *, extend: bool = False) -> Tuner:
    return Tuner(
        backend=SimulatorBackend(BLACKBOX, max_resource_attr="epochs", seed=3),
        scheduler=asha_prom(
            SPACE, metric="y", resource_attr="epoch", max_resource_attr="epochs", seed=0
        ),
        stop_criterion=StoppingCriterion(max_wallclock_time=budget),
        n_workers=4,
        path=path,
        options=QUIET,
        extend=extend,
    )


def trials(path: Path) -> pd.DataFrame:
    return cast(pd.DataFrame, pd.read_parquet(path / "trials.parquet").set_index("trial_id"))


def test_a_larger_budget_continues_a_complete_experiment(tmp_path: Path) -> None:
    path = tmp_path / "exp"
    make_tuner(path, 1000.0).run()
    before = load_experiment(path)
    stopped_at_end = trials(path).query("status == 'stopped'").index.tolist()
    paused_at_end = trials(path).query("status == 'paused'").index.tolist()
    assert stopped_at_end and paused_at_end  # the budget cut running trials short
    last_epoch = before.results.groupby("trial_id")["epoch"].max()

    make_tuner(path, 3000.0, extend=True).run()
    after = load_experiment(path)
    rows = after.results
    earlier = rows.iloc[: len(before.results)]
    pd.testing.assert_frame_equal(earlier, before.results)  # kept as they were
    new = rows.iloc[len(before.results) :]
    assert len(new) > 0
    assert new["tuner_time"].min() >= before.results["tuner_time"].max()
    assert rows["tuner_time"].max() <= 3000.0
    assert rows["tuner_time"].max() > 2000.0  # the simulated clock went on to the new end
    assert not rows.duplicated(["trial_id", "epoch"]).any()  # nothing reported twice
    assert new["trial_id"].max() > before.results["trial_id"].max()  # ids continue
    # trials cut short by the first budget continued from their checkpoints
    for trial_id in stopped_at_end:
        continued = new[new["trial_id"] == trial_id]["epoch"]
        if len(continued):
            assert continued.min() == last_epoch.get(trial_id, 0) + 1
    # ... without paying again for the epochs they had trained (one epoch takes
    # 10-20 simulated seconds here; retraining 4 or more from scratch takes >= 50)
    advanced = [t for t in stopped_at_end if last_epoch.get(t, 0) >= 4]
    assert advanced
    for trial_id in advanced:
        first_new = new[new["trial_id"] == trial_id]["tuner_time"].min()
        assert first_new < 1000.0 + 45.0, (trial_id, last_epoch[trial_id], first_new)
    # a paused trial that is promoted continues after its rung too
    for trial_id in paused_at_end:
        continued = new[new["trial_id"] == trial_id]["epoch"]
        if len(continued):
            assert continued.min() == last_epoch.get(trial_id, 0) + 1

    metadata = after.metadata
    assert metadata["status"] == "complete"
    assert metadata["budget"] == {"max_wallclock_time": 3000.0}
    assert metadata["start_time"] == before.metadata["start_time"]
    [extension] = metadata["extended"]
    assert extension["budget_before"] == {"max_wallclock_time": 1000.0}
    assert extension["budget"] == {"max_wallclock_time": 3000.0}
    assert extension["stop_reason_before"] == "stopping criterion met"
    assert extension["end_time_before"] == before.metadata["end_time"]
    assert len(metadata["resumed_at"]) == 1


def test_up_to_the_first_end_an_extension_is_a_run_with_the_larger_budget(
    tmp_path: Path,
) -> None:
    make_tuner(tmp_path / "extended", 1000.0).run()
    make_tuner(tmp_path / "extended", 2000.0, extend=True).run()
    make_tuner(tmp_path / "direct", 2000.0).run()
    columns = ["trial_id", "epoch", "y", "tuner_time"]
    extended, direct = (
        load_experiment(tmp_path / name).results.query("tuner_time <= 1000")[columns]
        for name in ("extended", "direct")
    )
    pd.testing.assert_frame_equal(extended, direct)


def test_extending_needs_a_larger_budget_and_changes_nothing_otherwise(tmp_path: Path) -> None:
    path = tmp_path / "exp"
    make_tuner(path, 1000.0).run()
    files = {p: p.read_bytes() for p in path.rglob("*") if p.is_file()}
    with pytest.raises(ValueError, match=r"already meets the stopping criterion.*larger budget"):
        make_tuner(path, 1000.0, extend=True).run()
    with pytest.raises(ValueError, match=r"already meets"):
        make_tuner(path, 500.0, extend=True).run()
    assert {p: p.read_bytes() for p in path.rglob("*") if p.is_file()} == files
    with pytest.raises(FileExistsError, match=r"is complete; pass extend=True"):
        make_tuner(path, 2000.0)


def test_extend_needs_a_path_and_runs_an_empty_folder_from_scratch(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="extend=True needs the path"):
        Tuner(
            backend=SimulatorBackend(BLACKBOX),
            scheduler=asha_prom(
                SPACE, metric="y", resource_attr="epoch", max_resource_attr="epochs"
            ),
            stop_criterion=StoppingCriterion(max_wallclock_time=10.0),
            extend=True,
        )
    path = tmp_path / "new"
    make_tuner(path, 500.0, extend=True).run()
    metadata = json.loads((path / "metadata.json").read_text())
    assert metadata["status"] == "complete" and metadata["extended"] == []


def test_an_extension_twice_keeps_both_entries(tmp_path: Path) -> None:
    path = tmp_path / "exp"
    make_tuner(path, 500.0).run()
    make_tuner(path, 1000.0, extend=True).run()
    make_tuner(path, 1500.0, extend=True).run()
    extended = load_experiment(path).metadata["extended"]
    assert [e["budget"]["max_wallclock_time"] for e in extended] == [1000.0, 1500.0]
    assert [e["budget_before"]["max_wallclock_time"] for e in extended] == [500.0, 1000.0]
