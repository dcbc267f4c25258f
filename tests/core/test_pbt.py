"""Population Based Training: contract, exploit/explore bookkeeping, and a real run."""

from __future__ import annotations

import math
import os
import pickle
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tunelab.core import PythonBackend, StoppingCriterion, Tuner, TunerOptions, load_experiment
from tunelab.core.checkpoint import load_checkpoint, save_checkpoint
from tunelab.core.reporter import report
from tunelab.core.schedulers.pbt import PopulationBasedTraining, perturb_config, perturb_value
from tunelab.core.space import (
    CandidateSet,
    choice,
    finrange,
    loguniform,
    ordinal,
    randint,
    sample_config,
    uniform,
    validate_config,
)
from tunelab.core.testing import SchedulerContract, candidate_configs, contract_config_space
from tunelab.core.trial import Decision, Mode, Trial

SPACE: dict[str, Any] = {
    "lr": loguniform(1e-4, 1e-1),
    "momentum": uniform(0.0, 0.9),
    "layers": randint(1, 8),
    "act": choice(["relu", "tanh", "gelu"]),
    "batch": ordinal([16, 32, 64]),
    "epochs": 10,
}


class TestPBTContract(SchedulerContract):
    def make_scheduler(
        self, config_space: dict[str, Any], *, metric: str, mode: Mode, seed: int
    ) -> PopulationBasedTraining:
        return PopulationBasedTraining(
            config_space,
            metric=metric,
            mode=mode,
            resource_attr="epoch",
            max_resource_attr="epochs",
            population_size=3,
            perturbation_interval=2,
            seed=seed,
        )


def make_pbt(**options: Any) -> PopulationBasedTraining:
    settings: dict[str, Any] = {
        "metric": "loss",
        "resource_attr": "epoch",
        "max_resource_attr": "epochs",
        "population_size": 4,
        "perturbation_interval": 2,
        "seed": 0,
    }
    settings.update(options)
    return PopulationBasedTraining(SPACE, **settings)


def start_population(pbt: PopulationBasedTraining, n: int = 4) -> list[Trial]:
    trials = []
    for trial_id in range(n):
        suggestion = pbt.suggest(trial_id)
        assert suggestion is not None and suggestion.checkpoint_from is None
        assert suggestion.config is not None
        trial = Trial(trial_id, suggestion.config)
        pbt.on_trial_add(trial)
        trials.append(trial)
    return trials


def test_worst_member_is_replaced_by_an_explored_copy_of_a_top_member() -> None:
    pbt = make_pbt(resample_probability=0.0)
    trials = start_population(pbt)
    assert pbt.suggest(4) is None  # the population is complete
    losses = {0: 0.1, 1: 0.2, 2: 0.3, 3: 0.4}
    for trial in trials:
        assert pbt.on_trial_result(trial, {"loss": 1.0, "epoch": 1}) is Decision.CONTINUE
    # trial 3 reports first: nobody is ranked before the whole population has a score
    for trial_id in (3, 0, 1, 2):
        decision = pbt.on_trial_result(trials[trial_id], {"loss": losses[trial_id], "epoch": 2})
        assert decision is Decision.CONTINUE
    assert pbt.quantiles() == ([3], [0])
    assert pbt.on_trial_result(trials[3], {"loss": 0.45, "epoch": 3}) is Decision.CONTINUE
    assert pbt.on_trial_result(trials[3], {"loss": 0.5, "epoch": 4}) is Decision.STOP
    pbt.on_trial_remove(trials[3])
    assert pbt.on_trial_result(trials[0], {"loss": 0.05, "epoch": 3}) is Decision.CONTINUE

    suggestion = pbt.suggest(4)
    assert suggestion is not None and suggestion.checkpoint_from == 0
    assert suggestion.config is not None
    source, new = trials[0].config, suggestion.config
    for name in ("lr", "momentum"):
        assert new[name] in (
            pytest.approx(min(max(source[name] * 0.8, SPACE[name].lower), SPACE[name].upper)),
            pytest.approx(min(max(source[name] * 1.2, SPACE[name].lower), SPACE[name].upper)),
        )
    assert abs(new["layers"] - source["layers"]) <= max(1, math.ceil(0.2 * source["layers"]))
    for name in ("act", "batch"):
        members = SPACE[name].values()
        assert abs(members.index(new[name]) - members.index(source[name])) <= 1
    assert new["epochs"] == 10

    clone = Trial(4, new, checkpoint_from=0)
    pbt.on_trial_add(clone)
    # the copy starts where the source was (epoch 3) and ranks with its score meanwhile
    assert pbt.quantiles() == ([2], [0])
    assert pbt.on_trial_result(clone, {"loss": 0.3, "epoch": 4}) is Decision.CONTINUE
    assert pbt.on_trial_result(clone, {"loss": 0.04, "epoch": 5}) is Decision.CONTINUE
    assert pbt.quantiles() == ([2], [4])
    assert pbt.on_trial_result(clone, {"loss": 0.03, "epoch": 10}) is Decision.STOP  # done
    assert pbt.suggest(5) is None


def test_mode_max_and_nan_rank_as_expected() -> None:
    pbt = make_pbt(mode="max")
    trials = start_population(pbt)
    for trial, value in zip(trials, [0.9, float("nan"), 0.5, 0.7], strict=True):
        pbt.on_trial_result(trial, {"loss": value, "epoch": 2})
    assert pbt.quantiles() == ([1], [0])


@pytest.mark.parametrize(
    ("n", "fraction", "expected"),
    [
        (1, 0.25, 0),
        (2, 0.25, 1),
        (4, 0.25, 1),
        (5, 0.25, 2),
        (8, 0.25, 2),
        (8, 0.5, 4),
        (8, 0.0, 0),
    ],
)
def test_quantile_sizes(n: int, fraction: float, expected: int) -> None:
    pbt = make_pbt(population_size=n, quantile_fraction=fraction)
    trials = start_population(pbt, n)
    for trial in reversed(trials):  # equal losses: ties go to the lower trial id
        assert pbt.on_trial_result(trial, {"loss": 1.0, "epoch": 2}) is Decision.CONTINUE
    bottom, top = pbt.quantiles()
    assert top == list(range(expected))
    assert bottom == list(range(n - 1, n - 1 - expected, -1))


def test_perturbations_stay_in_their_domains() -> None:
    assert perturb_value(uniform(0.0, 1.0), 0.9, increase=True) == 1.0
    assert perturb_value(uniform(0.0, 1.0), 0.5, increase=False) == pytest.approx(0.4)
    assert perturb_value(loguniform(1e-3, 1.0), 1e-3, increase=False) == 1e-3
    assert perturb_value(randint(1, 8), 1, increase=True) == 2  # at least one unit
    assert perturb_value(randint(1, 8), 1, increase=False) == 1  # clipped
    assert perturb_value(randint(1, 100), 50, increase=True) == 60
    assert perturb_value(randint(-5, 5), 0, increase=False) == -1
    assert perturb_value(choice(["a", "b", "c"]), "a", increase=False) == "a"
    assert perturb_value(choice(["a", "b", "c"]), "a", increase=True) == "b"
    assert perturb_value(ordinal([16, 32, 64]), 64, increase=True) == 64
    assert perturb_value(finrange(0.0, 0.5, 6), 0.2, increase=False) == 0.1


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), resample=st.sampled_from([0.0, 0.25, 1.0]))
def test_explored_configs_are_valid(seed: int, resample: float) -> None:
    space = contract_config_space()
    rng = np.random.default_rng(seed)
    config = sample_config(space, rng)
    new = perturb_config(config, space, rng=rng, resample_probability=resample, frozen=("dropout",))
    assert validate_config(space, new) == new
    assert new["dropout"] == config["dropout"]


def test_state_round_trip_with_a_pending_exploit() -> None:
    pbt = make_pbt(seed=3)
    trials = start_population(pbt)
    for trial, loss in zip(trials, [0.4, 0.1, 0.2, 0.3], strict=True):
        pbt.on_trial_result(trial, {"loss": loss, "epoch": 2})
    assert pbt.on_trial_result(trials[0], {"loss": 0.5, "epoch": 4}) is Decision.STOP
    restored = make_pbt(seed=99)
    restored.load_state_dict(pickle.loads(pickle.dumps(pbt.state_dict())))
    for scheduler in (pbt, restored):
        scheduler.on_trial_remove(trials[0])
    first, second = pbt.suggest(4), restored.suggest(4)
    assert first == second and first is not None and first.checkpoint_from == 1
    for scheduler in (pbt, restored):
        assert first.config is not None
        scheduler.on_trial_add(Trial(4, first.config, checkpoint_from=1))
        scheduler.on_trial_result(trials[3], {"loss": 0.9, "epoch": 4})
    assert pbt.suggest(5) == restored.suggest(5)
    assert pbt.state_dict() == restored.state_dict()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"quantile_fraction": 0.6}, r"quantile_fraction=0.6; expected a number in \[0, 0.5\]"),
        ({"population_size": 0}, "population_size=0"),
        ({"perturbation_interval": 0}, "perturbation_interval=0"),
        ({"resample_probability": 1.5}, "resample_probability=1.5"),
        ({"max_resource_attr": None}, "needs max_resource, or max_resource_attr"),
        ({"max_resource_attr": "lr"}, "config_space value loguniform"),
    ],
)
def test_invalid_settings_are_named(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_pbt(**options)


def test_results_need_metric_and_resource() -> None:
    pbt = make_pbt()
    (trial,) = start_population(pbt, 1)
    with pytest.raises(ValueError, match=r"without \['epoch'\]"):
        pbt.on_trial_result(trial, {"loss": 0.3})


def pbt_train(lr: float, epochs: int, checkpoint_dir: Path) -> None:
    """Toy training with checkpoints: reports which trial wrote the one it loaded."""
    me = int(os.environ["TUNELAB_TRIAL_ID"])
    state = load_checkpoint(checkpoint_dir)
    start = 1 if state is None else state["epoch"] + 1
    origin = -1 if state is None else state["writer"]
    for epoch in range(start, epochs + 1):
        save_checkpoint({"writer": me}, epoch=epoch, checkpoint_dir=checkpoint_dir)
        # A loss that does not improve with epochs ranks trials by lr alone, so the
        # worst member is exploited by its check at epoch 4 at the latest.
        report(epoch=epoch, loss=abs(lr - 0.5), loaded_from=origin, start_epoch=start)
        time.sleep(0.1)


@pytest.mark.slow
def test_exploiting_trials_start_from_the_source_checkpoint(tmp_path: Path) -> None:
    scheduler = PopulationBasedTraining(
        {"lr": uniform(0.0, 1.0), "epochs": 6},
        metric="loss",
        resource_attr="epoch",
        max_resource_attr="epochs",
        population_size=3,
        perturbation_interval=2,
        quantile_fraction=0.34,
        seed=1,
    )
    tuner = Tuner(
        backend=PythonBackend(pbt_train, gpus=[]),
        scheduler=scheduler,
        stop_criterion=StoppingCriterion(max_wallclock_time=90),
        n_workers=3,
        path=tmp_path / "pbt",
        options=TunerOptions(progress_interval=None, sleep_time=0.02),
    )
    tuner.run()
    results = load_experiment(tuner.path).results
    firsts = results.sort_values("epoch").groupby("trial_id").first()
    clones = {
        t: trial.checkpoint_from
        for t, trial in tuner.trials.items()
        if trial.checkpoint_from is not None
    }
    assert clones, "PBT never exploited"
    for trial_id, source in clones.items():
        # A copy chosen as source before its first own save still holds its source's.
        lineage = [source]
        while (parent := tuner.trials[lineage[-1]].checkpoint_from) is not None:
            lineage.append(parent)
        if trial_id in firsts.index:
            assert firsts.loc[trial_id, "loaded_from"] in lineage
            assert firsts.loc[trial_id, "start_epoch"] >= 3  # sources were ranked at epoch 2
    originals = [t for t in tuner.trials if t not in clones]
    assert all(firsts.loc[t, "start_epoch"] == 1 for t in originals)
    assert all(firsts.loc[t, "loaded_from"] == -1 for t in originals)


def test_explore_stays_in_restrict_to_and_moves_away_from_the_source() -> None:
    space = contract_config_space()
    rows = candidate_configs(2)
    pbt = PopulationBasedTraining(
        space,
        metric="loss",
        resource_attr="epoch",
        max_resource=9,
        population_size=2,
        perturbation_interval=1,
        quantile_fraction=0.5,
        restrict_to=rows,
        seed=0,
    )
    trials = []
    for trial_id in range(2):
        suggestion = pbt.suggest(trial_id)
        assert suggestion is not None and suggestion.config is not None
        trials.append(Trial(trial_id, suggestion.config))
        pbt.on_trial_add(trials[-1])
    assert pbt.on_trial_result(trials[0], {"loss": 1.0, "epoch": 1}) is Decision.CONTINUE
    assert pbt.on_trial_result(trials[1], {"loss": 2.0, "epoch": 1}) is Decision.STOP
    exploit = pbt.suggest(2)
    assert exploit is not None and exploit.checkpoint_from == 0 and exploit.config is not None
    members = CandidateSet(space, rows)
    # the only member other than the source's is the one the stopped trial ran
    assert members.index_of(exploit.config) == members.index_of(trials[1].config)
