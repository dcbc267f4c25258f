"""Ask/tell with multi-fidelity schedulers: intermediate results, pause/resume, best_trial."""

from __future__ import annotations

from typing import Any, cast

import pandas as pd
import pytest

from tunelab.core.asktell import AskedTrial, AskTell
from tunelab.core.schedulers.hyperband import HyperbandScheduler
from tunelab.core.schedulers.hyperband.scheduler import Kind
from tunelab.core.schedulers.pbt import PopulationBasedTraining
from tunelab.core.searchers import RandomSearcher
from tunelab.core.space import choice, uniform
from tunelab.core.trial import Decision, TrialStatus

SPACE = {"x": uniform(0.0, 1.0), "epochs": 9}


def loss(config: dict[str, Any], epoch: int) -> float:
    return float(config["x"]) + 1.0 / epoch


def hyperband(
    kind: Kind, *, brackets: int = 1, space: dict[str, Any] = SPACE, **options: Any
) -> HyperbandScheduler:
    return HyperbandScheduler(
        RandomSearcher(space, seed=0),
        metric="loss",
        resource_attr="epoch",
        max_resource=9,
        kind=kind,
        brackets=brackets,
        seed=0,
        **options,
    )


def least_loss_trial(results: pd.DataFrame) -> int:
    """The trial of the result row with the least loss."""
    row = cast(int, results["loss"].idxmin())
    return int(results["trial_id"].loc[row])


def train(loop: AskTell, asked: AskedTrial) -> tuple[Decision, list[int]]:
    """Tell one result per epoch, from where the trial stands up to its budget."""
    start = 1 if asked.resource is None else int(asked.resource) + 1
    told = []
    for epoch in range(start, int(asked.config["epochs"]) + 1):
        told.append(epoch)
        final = epoch == asked.config["epochs"]
        decision = loop.tell(
            asked.trial_id, {"epoch": epoch, "loss": loss(asked.config, epoch)}, final=final
        )
        if decision is not Decision.CONTINUE:
            return decision, told
    return Decision.CONTINUE, told


def test_asha_stopping_stops_poor_trials_at_rungs() -> None:
    loop = AskTell(hyperband("stopping"))
    last = {}
    for _ in range(30):
        asked = loop.ask()
        assert asked is not None and not asked.resumed and asked.checkpoint_from is None
        decision, told = train(loop, asked)
        last[asked.trial_id] = (decision, told[-1])
    stopped = {t for t, (decision, _) in last.items() if decision is Decision.STOP}
    assert stopped and {last[t][1] for t in stopped} <= {1, 3}
    assert {loop.trials[t].status for t in stopped} == {TrialStatus.STOPPED}
    finished = set(last) - stopped
    assert finished and {last[t][1] for t in finished} == {9}
    assert {loop.trials[t].status for t in finished} == {TrialStatus.COMPLETED}
    results = loop.results()
    assert set(results.loc[results["decision"] == "stop", "epoch"]) <= {1, 3}
    best = loop.best_trial()
    assert best.trial_id == least_loss_trial(results)
    assert best.config == loop.best_config()
    assert best.status is TrialStatus.COMPLETED


def test_asha_promotion_pauses_and_resumes_from_the_rung() -> None:
    scheduler = hyperband("promotion", max_resource_attr="epochs")
    loop = AskTell(scheduler)
    resumed: list[AskedTrial] = []
    for _ in range(40):
        asked = loop.ask()
        assert asked is not None
        if asked.resumed:
            resumed.append(asked)
            assert asked.trial.status is TrialStatus.RUNNING
            assert asked.resource in (1, 3)
            assert asked.config["epochs"] > asked.resource  # the next rung level
        decision, told = train(loop, asked)
        assert told[0] == (1 if asked.resource is None else asked.resource + 1)
        if decision is Decision.PAUSE:
            assert loop.trials[asked.trial_id].status is TrialStatus.PAUSED
            assert told[-1] in (1, 3)
    assert resumed, "ASHA never promoted a paused trial"
    statuses = {t.status for t in loop.trials.values()}
    assert statuses <= {TrialStatus.PAUSED, TrialStatus.COMPLETED}
    results = loop.results()
    completed = [t for t, trial in loop.trials.items() if trial.status is TrialStatus.COMPLETED]
    for trial_id in completed:  # promoted up to the end, each epoch told once
        epochs = results.loc[results["trial_id"] == trial_id, "epoch"].tolist()
        assert epochs == list(range(1, 10))
    best = loop.best_trial()
    assert best.trial_id == least_loss_trial(results)
    assert best.config["epochs"] == loop.trials[best.trial_id].config["epochs"]


def test_hyperband_brackets_with_concurrent_trials() -> None:
    loop = AskTell(hyperband("stopping", brackets=3))
    running: dict[int, int] = {}  # trial -> last told epoch
    started = 0
    while started < 40 or running:
        while len(running) < 4 and started < 40:
            asked = loop.ask()
            assert asked is not None
            running[asked.trial_id] = 0
            started += 1
        for trial_id in list(running):  # one epoch each, round robin
            epoch = running[trial_id] + 1
            config = loop.trials[trial_id].config
            decision = loop.tell(
                trial_id, {"epoch": epoch, "loss": loss(config, epoch)}, final=epoch == 9
            )
            running[trial_id] = epoch
            if decision is not Decision.CONTINUE or epoch == 9:
                del running[trial_id]
    assert all(t.status.is_finished for t in loop.trials.values())
    results = loop.results()
    first_decisions = results[results["decision"] == "stop"].groupby("trial_id")["epoch"].max()
    assert set(first_decisions) <= {1, 3}
    assert loop.best_trial().trial_id == least_loss_trial(results)


def test_ask_may_have_nothing_now_and_something_later() -> None:
    space = {"x": choice([0.1, 0.5, 0.9]), "epochs": 9}
    loop = AskTell(hyperband("promotion", space=space))
    trials = [loop.ask() for _ in range(3)]
    assert all(asked is not None for asked in trials)
    assert loop.ask() is None  # the space is used up and no trial can be promoted yet
    for asked in trials:
        assert asked is not None
        assert (
            loop.tell(asked.trial_id, {"epoch": 1, "loss": loss(asked.config, 1)}) is Decision.PAUSE
        )
    promoted = loop.ask()
    assert promoted is not None and promoted.resumed and promoted.resource == 1
    assert promoted.config["x"] == 0.1
    # a trial resumed without checkpoint repeats epoch 1: skipped, like in the tuner
    rows = len(loop.results())
    assert loop.tell(promoted.trial_id, {"epoch": 1, "loss": 0.0}) is Decision.CONTINUE
    assert len(loop.results()) == rows
    assert loop.tell(promoted.trial_id, {"epoch": 2, "loss": 0.6}) is Decision.CONTINUE
    assert len(loop.results()) == rows + 1


def test_trial_state_is_checked() -> None:
    loop = AskTell(hyperband("promotion"))
    asked = loop.ask()
    assert asked is not None
    assert loop.tell(asked.trial_id, {"epoch": 1, "loss": 0.5}) is Decision.PAUSE
    with pytest.raises(ValueError, match="trial 0 is paused; only a running trial can complete"):
        loop.complete(asked.trial_id)
    with pytest.raises(ValueError, match="trial 0 is paused; only a running trial can fail"):
        loop.fail(asked.trial_id)
    with pytest.raises(ValueError, match="trial 0 is paused; results are only accepted"):
        loop.tell(asked.trial_id, {"epoch": 2, "loss": 0.5})


def test_pbt_asks_for_checkpoint_copies() -> None:
    pbt = PopulationBasedTraining(
        {"x": uniform(0.0, 1.0), "epochs": 8},
        metric="loss",
        resource_attr="epoch",
        max_resource_attr="epochs",
        population_size=4,
        perturbation_interval=2,
        seed=0,
    )
    loop = AskTell(pbt)
    weights: dict[int, tuple[int, float]] = {}  # the "checkpoints": (epoch, accumulated)
    running: list[int] = []
    copies = []
    while True:
        while (asked := loop.ask()) is not None:
            assert not asked.resumed
            if asked.checkpoint_from is not None:
                copies.append((asked.trial_id, asked.checkpoint_from))
                assert asked.trial.checkpoint_from == asked.checkpoint_from
                weights[asked.trial_id] = weights[asked.checkpoint_from]
            else:
                weights[asked.trial_id] = (0, 0.0)
            running.append(asked.trial_id)
        if not running:
            break
        for trial_id in list(running):
            epoch, total = weights[trial_id]
            x = loop.trials[trial_id].config["x"]
            weights[trial_id] = (epoch + 1, total + x)
            decision = loop.tell(trial_id, {"epoch": epoch + 1, "loss": total + x})
            if decision is not Decision.CONTINUE:
                running.remove(trial_id)
    assert copies, "PBT never exploited"
    results = loop.results()
    for trial_id, source in copies:
        first = results[results["trial_id"] == trial_id]["epoch"].min()
        source_epochs = results[results["trial_id"] == source]["epoch"]
        assert first == source_epochs[source_epochs < first].max() + 1
