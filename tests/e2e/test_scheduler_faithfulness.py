"""Multi-fidelity schedulers do on the simulator what their papers say they do.

Synchronous successive halving with r_min=1, r_max=27, eta=3 and one worker runs
27 trials to 1 epoch, the best 9 on to 3, the best 3 on to 9 and the best one to 27;
synchronous Hyperband adds the brackets 12/4/2, 6/2 and 4; asynchronous Hyperband
draws brackets with the probabilities of its documented formula.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tunelab.blackbox import SimulatorBackend, TabularBlackbox, branin
from tunelab.core import RandomSearcher, StoppingCriterion, Tuner, TunerOptions, load_experiment
from tunelab.core.results.store import CONFIG_PREFIX
from tunelab.core.scheduler import Scheduler
from tunelab.core.schedulers.synchronous import (
    DEHBScheduler,
    SynchronousHyperbandScheduler,
    SynchronousSuccessiveHalving,
)
from tunelab.core.space import choice, loguniform, randint

EPOCHS = 27
ROUND_RESULTS = 27 * 1 + 9 * 2 + 3 * 6 + 1 * 18  # epochs trained by one round of SH


def make_table(n_configs: int) -> TabularBlackbox:
    """A tabular benchmark with fidelities 1..27: error falls, time accumulates."""
    rng = np.random.default_rng(1)
    space = {
        "lr": loguniform(1e-4, 1e-1),
        "layers": randint(1, 4),
        "act": choice(["relu", "tanh"]),
        "epochs": EPOCHS,
    }
    table = pd.DataFrame(
        {
            "lr": np.round(10 ** rng.uniform(-4, -1, n_configs), 8),
            "layers": rng.integers(1, 5, n_configs),
            "act": rng.choice(["relu", "tanh"], n_configs),
        }
    ).drop_duplicates()
    epochs = np.arange(1, EPOCHS + 1)
    floor = rng.uniform(0.05, 0.5, (len(table), 1, 1))
    slope = rng.uniform(0.2, 1.0, (len(table), 1, 1))
    error = floor + slope / np.sqrt(epochs)[None, None, :]
    step = rng.uniform(10.0, 100.0, (len(table), 1, 1))
    elapsed = step * epochs[None, None, :]
    return TabularBlackbox(
        hyperparameters=table.reset_index(drop=True),
        objectives=np.stack([error, elapsed], axis=-1),
        objectives_names=["error", "elapsed_time"],
        configuration_space=space,
        fidelity_name="epoch",
        fidelity_values=epochs,
        time_objective="elapsed_time",
    )


def simulate(
    path: Path,
    blackbox: Any,
    scheduler: Scheduler,
    stop: StoppingCriterion,
    n_workers: int = 1,
) -> tuple[Tuner, SimulatorBackend, pd.DataFrame]:
    backend = SimulatorBackend(
        blackbox,
        max_resource_attr="epochs",
        seed=0,
        charge_decision_time=False,
        keep_event_log=True,
    )
    tuner = Tuner(
        backend=backend,
        scheduler=scheduler,
        stop_criterion=stop,
        n_workers=n_workers,
        path=path,
        options=TunerOptions(progress_interval=None),
    )
    tuner.run()
    return tuner, backend, load_experiment(tuner.path).results


def table_searcher(blackbox: TabularBlackbox) -> RandomSearcher:
    return RandomSearcher(
        blackbox.configuration_space, restrict_to=blackbox.all_configurations(), seed=0
    )


def rung_counts(results: pd.DataFrame, backend: SimulatorBackend, trials: range) -> dict[int, int]:
    """Per rung level: trials that reported there, having started or resumed towards it.

    A row with `epoch == config_epochs` is a trial reaching the level its configuration
    was started or resumed for; each trial's start events are its start and resumes.
    """
    rows = results[results["trial_id"].isin(trials)]
    reached = rows[rows["epoch"] == rows[CONFIG_PREFIX + "epochs"]]
    starts = pd.Series([tid for _, tid, kind in backend.events if kind == "start"])
    starts = starts[starts.isin(trials)].value_counts()
    for trial_id, group in reached.groupby("trial_id"):
        assert starts[trial_id] == len(group), f"trial {trial_id}: a start or resume per rung"
    return cast(dict[int, int], reached.groupby("epoch")["trial_id"].nunique().to_dict())


def test_synchronous_successive_halving_runs_27_9_3_1(tmp_path: Path) -> None:
    blackbox = make_table(200)
    scheduler = SynchronousSuccessiveHalving(
        table_searcher(blackbox),
        metric="error",
        resource_attr="epoch",
        max_resource_attr="epochs",
        grace_period=1,
        reduction_factor=3,
    )
    stop = StoppingCriterion(max_num_results=2 * ROUND_RESULTS)
    tuner, backend, results = simulate(tmp_path / "sh", blackbox, scheduler, stop)
    assert len(tuner.trials) == 2 * 27, "two rounds, each of 27 new trials"
    for first in (0, 27):
        trials = range(first, first + 27)
        assert rung_counts(results, backend, trials) == {1: 27, 3: 9, 9: 3, 27: 1}
        rows = results[results["trial_id"].isin(trials)]
        # promoted trials resume from their checkpoint: every epoch is trained once
        assert len(rows) == ROUND_RESULTS
        assert not rows.duplicated(["trial_id", "epoch"]).any()
        # the promoted are the best of each rung, decided once the rung is full
        for level, size in ((1, 9), (3, 3), (9, 1)):
            at_level = rows[rows["epoch"] == level].sort_values(["error", "trial_id"])
            promoted = set(rows[rows["epoch"] > level]["trial_id"])
            assert promoted == set(at_level["trial_id"][:size])
            last_report = at_level["tuner_time"].max()
            resumed_at = rows[rows["epoch"] == level + 1]["tuner_time"].min()
            assert resumed_at > last_report, "no promotion before the rung is full"
        decisions = rows.set_index("epoch")["decision"]
        assert set(decisions[[1, 3, 9]]) == {"pause"} and set(decisions[[27]]) == {"continue"}


def test_successive_halving_ends_when_the_table_is_used_up(tmp_path: Path) -> None:
    blackbox = make_table(27)
    assert len(blackbox) == 27
    scheduler = SynchronousSuccessiveHalving(
        table_searcher(blackbox), metric="error", resource_attr="epoch", max_resource_attr="epochs"
    )
    stop = StoppingCriterion(max_wallclock_time=1e9)
    tuner, backend, results = simulate(tmp_path / "sh", blackbox, scheduler, stop)
    assert rung_counts(results, backend, range(27)) == {1: 27, 3: 9, 9: 3, 27: 1}
    assert len(results) == ROUND_RESULTS
    metadata = load_experiment(tuner.path).metadata
    assert metadata["stop_reason"] == "the scheduler has no more configurations"


def test_synchronous_hyperband_runs_its_four_brackets(tmp_path: Path) -> None:
    blackbox = make_table(200)
    scheduler = SynchronousHyperbandScheduler(
        table_searcher(blackbox), metric="error", resource_attr="epoch", max_resource_attr="epochs"
    )
    budget = ROUND_RESULTS + (12 * 3 + 4 * 6 + 2 * 18) + (6 * 9 + 2 * 18) + 4 * 27
    stop = StoppingCriterion(max_num_results=budget)
    tuner, backend, results = simulate(tmp_path / "hb", blackbox, scheduler, stop)
    assert len(tuner.trials) == 27 + 12 + 6 + 4
    brackets = [(0, 27, {1: 27, 3: 9, 9: 3, 27: 1}), (27, 12, {3: 12, 9: 4, 27: 2})]
    brackets += [(39, 6, {9: 6, 27: 2}), (45, 4, {27: 4})]
    for first, count, expected in brackets:
        assert rung_counts(results, backend, range(first, first + count)) == expected


def test_dehb_evolves_new_trials_after_its_first_bracket(tmp_path: Path) -> None:
    blackbox = branin(max_fidelity=EPOCHS)
    space = {**blackbox.configuration_space, "epochs": EPOCHS}
    scheduler = DEHBScheduler(
        RandomSearcher(space, seed=0),
        metric=blackbox.objectives_names[0],
        resource_attr="epoch",
        max_resource_attr="epochs",
        seed=0,
    )
    stop = StoppingCriterion(max_num_trials_started=27 + 9 + 3 + 1 + 3)
    tuner, backend, results = simulate(tmp_path / "dehb", blackbox, scheduler, stop, n_workers=4)
    starts = [tid for _, tid, kind in backend.events if kind == "start"]
    later = [t for t in tuner.trials if t >= 27]
    assert len(later) == 16
    assert all(starts.count(t) == 1 for t in later), "later brackets never resume"
    assert rung_counts(results, backend, range(27)) == {1: 27, 3: 9, 9: 3, 27: 1}
    last = results.groupby("trial_id")["epoch"].max()
    assert all(last[t] == tuner.trials[t].config["epochs"] for t in later if t in last.index)


def test_asynchronous_hyperband_draws_brackets_by_its_formula(tmp_path: Path) -> None:
    hyperband = pytest.importorskip("tunelab.core.schedulers.hyperband")
    blackbox = branin(max_fidelity=EPOCHS, time_per_step=1.0)
    space = {**blackbox.configuration_space, "epochs": EPOCHS}
    scheduler = hyperband.HyperbandScheduler(
        RandomSearcher(space, seed=0),
        metric=blackbox.objectives_names[0],
        resource_attr="epoch",
        max_resource_attr="epochs",
        kind="promotion",
        brackets=4,
        seed=0,
    )
    n_trials = 3000
    stop = StoppingCriterion(max_num_trials_started=n_trials)
    tuner, _, results = simulate(tmp_path / "ahb", blackbox, scheduler, stop, n_workers=4)
    assert len(tuner.trials) == n_trials
    # A promotion trial starts towards the first rung of its bracket: 1, 3, 9 or 27.
    first = results.sort_values("epoch").groupby("trial_id")[CONFIG_PREFIX + "epochs"].first()
    counts = first.value_counts().reindex([1, 3, 9, 27], fill_value=0).to_numpy()
    assert counts.sum() == n_trials
    # Bracket b of Hyperband starts n_b = ceil((J + 1) / (J + 1 - b) * eta**(J - b))
    # trials (J = 3 levels below r_max = 27, eta = 3): 27, 12, 6, 4; asynchronous
    # Hyperband draws bracket b with probability n_b / sum(n).
    sizes = np.array([27, 12, 6, 4])
    expected = n_trials * sizes / sizes.sum()
    assert stats.chisquare(counts, expected).pvalue > 0.01
    np.testing.assert_allclose(counts / n_trials, sizes / sizes.sum(), atol=0.03)
