"""PASHA: progressive maximum resource, soft ranking and its estimated epsilon."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tunelab.core.schedulers.hyperband import PASHAScheduler
from tunelab.core.schedulers.hyperband.curves import CurveMatrix
from tunelab.core.schedulers.hyperband.ranking import (
    CrissCrossNoise,
    crossing_gaps,
    latest_crossing_gaps,
    soft_ranking_consistent,
)
from tunelab.core.searchers import RandomSearcher
from tunelab.core.space import uniform
from tunelab.core.testing import SchedulerContract
from tunelab.core.trial import Decision, Mode, Trial

from .test_hyperband import Recorder, start
from .test_hyperband_simulated import asha, run, searcher


class TestPASHAContract(SchedulerContract):
    def make_scheduler(
        self, config_space: dict[str, Any], *, metric: str, mode: Mode, seed: int
    ) -> PASHAScheduler:
        return PASHAScheduler(
            RandomSearcher(config_space, seed=seed),
            metric=metric,
            mode=mode,
            resource_attr="epoch",
            max_resource=9,
        )


def pasha(**kwargs: Any) -> PASHAScheduler:
    return PASHAScheduler(
        Recorder(), metric="loss", resource_attr="epoch", max_resource_attr="epochs", **kwargs
    )


def report(scheduler: PASHAScheduler, trial: Trial, curve: dict[int, float]) -> Decision:
    decisions = [
        scheduler.on_trial_result(trial, {"epoch": e, "loss": v}) for e, v in curve.items()
    ]
    return decisions[-1]


def two_in_top_rung(
    scheduler: PASHAScheduler, top: tuple[dict[int, float], dict[int, float]]
) -> dict[int, Trial]:
    """Six trials at rung 1 (losses 1.0, 1.1, 2, 3, 4, 5); trials 0 and 1 promoted to 3."""
    trials = {t: start(scheduler, t) for t in range(6)}
    for trial_id, loss in enumerate([1.0, 1.1, 2.0, 3.0, 4.0, 5.0]):
        assert report(scheduler, trials[trial_id], {1: loss}) is Decision.PAUSE
    for expected in (0, 1):
        suggestion = scheduler.suggest(6)
        assert suggestion is not None and suggestion.resume_trial_id == expected
        assert suggestion.config is not None and suggestion.config["epochs"] == 3
        trials[expected].config = suggestion.config
    for trial_id in (0, 1):
        assert report(scheduler, trials[trial_id], top[trial_id]) is Decision.PAUSE
    return trials


def test_starts_with_two_rungs_and_keeps_them_while_rankings_agree() -> None:
    scheduler = pasha(epsilon=0.0)
    assert scheduler.rung_system.levels == (1, 3, 9, 27)
    assert scheduler.current_max_resource == 3
    two_in_top_rung(scheduler, ({2: 0.9, 3: 0.5}, {2: 0.9, 3: 0.6}))
    assert scheduler.current_max_resource == 3
    # trials at the current maximum wait: a new trial starts
    suggestion = scheduler.suggest(6)
    assert suggestion is not None and not suggestion.is_resume


def test_an_inconsistent_ranking_unlocks_the_next_rung() -> None:
    scheduler = pasha(epsilon=0.0)
    trials = two_in_top_rung(scheduler, ({2: 0.9, 3: 0.6}, {2: 0.9, 3: 0.5}))
    assert scheduler.current_max_resource == 9
    # the trials of rung 3 now compete for promotion towards 9
    for trial_id in (6, 7, 8):
        trials[trial_id] = start(scheduler, trial_id)
        report(scheduler, trials[trial_id], {1: float(trial_id)})
    third = scheduler.suggest(9)  # rung 1: 9 results, 3 slots
    assert third is not None and third.resume_trial_id == 2
    trials[2].config = third.config  # type: ignore[assignment]
    assert report(scheduler, trials[2], {2: 1.0, 3: 0.55}) is Decision.PAUSE
    promoted = scheduler.suggest(9)  # rung 3: 3 results, 1 slot: trial 1 (0.5)
    assert promoted is not None and promoted.resume_trial_id == 1
    assert promoted.config is not None and promoted.config["epochs"] == 9


def test_swaps_within_epsilon_are_tolerated() -> None:
    curves = ({2: 0.9, 3: 0.6}, {2: 0.9, 3: 0.5})  # swapped at 3, gap 0.1 at rung 1
    tolerant = pasha(epsilon=0.2)
    two_in_top_rung(tolerant, curves)
    assert tolerant.current_max_resource == 3
    strict = pasha(epsilon=0.05)
    two_in_top_rung(strict, curves)
    assert strict.current_max_resource == 9


def test_epsilon_is_estimated_from_criss_crossing_curves() -> None:
    scheduler = pasha()
    assert scheduler.epsilon == 0.0
    # curves 1.0, 0.8, 0.5 and 1.1, 0.7, 0.6 cross twice; last at 2 -> 3, gap 0.1
    two_in_top_rung(scheduler, ({2: 0.8, 3: 0.5}, {2: 0.7, 3: 0.6}))
    assert scheduler.epsilon == pytest.approx(0.1)
    assert scheduler.current_max_resource == 3  # same order at rungs 1 and 3
    # 1.0, 1.02, 0.6 and 1.1, 1.05, 0.5: noise 0.03 < the swapped gap 0.1 at rung 1
    noisy = pasha()
    two_in_top_rung(noisy, ({2: 1.02, 3: 0.6}, {2: 1.05, 3: 0.5}))
    assert noisy.epsilon == pytest.approx(0.03)
    assert noisy.current_max_resource == 9


def test_unlocking_stops_at_max_resource() -> None:
    scheduler = PASHAScheduler(
        Recorder(), metric="loss", resource_attr="epoch", max_resource=3, epsilon=0.0
    )
    assert scheduler.rung_system.levels == (1, 3)
    assert scheduler.current_max_resource == 3
    trial = start(scheduler, 0)
    assert report(scheduler, trial, {1: 1.0}) is Decision.PAUSE


def test_bad_epsilon_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="epsilon must be >= 0 or None"):
        pasha(epsilon=-1.0)


def test_state_round_trip_keeps_the_maximum_and_the_noise() -> None:
    scheduler = pasha()
    two_in_top_rung(scheduler, ({2: 1.02, 3: 0.6}, {2: 1.05, 3: 0.5}))
    restored = pasha()
    restored.load_state_dict(pickle.loads(pickle.dumps(scheduler.state_dict())))
    assert restored.current_max_resource == scheduler.current_max_resource == 9
    assert restored.epsilon == scheduler.epsilon
    assert [restored.suggest(t) for t in range(6, 12)] == [
        scheduler.suggest(t) for t in range(6, 12)
    ]


def test_soft_ranking() -> None:
    assert soft_ranking_consistent(np.array([1.0, 1.05, 2.0]), 0.0)
    assert soft_ranking_consistent(np.array([1.05, 1.0, 2.0]), 0.1)
    assert not soft_ranking_consistent(np.array([1.05, 1.0, 2.0]), 0.01)
    assert not soft_ranking_consistent(np.array([2.0, 1.0]), 0.5)
    assert soft_ranking_consistent(np.array([1.0, np.inf]), 0.0)
    assert soft_ranking_consistent(np.array([3.0]), 0.0)


def test_latest_crossing_gaps() -> None:
    differences = np.array([[1.0, -1.0, 2.0], [1.0, 2.0, 3.0], [0.5, 0.2, -0.3]])
    np.testing.assert_allclose(latest_crossing_gaps(differences), [1.0, np.nan, 0.2])


def test_noise_is_a_percentile_of_the_pair_gaps() -> None:
    noise = CrissCrossNoise()
    curves: dict[int, dict[float, float]] = {
        0: {1: 0.0, 2: 0.0},
        **{k: {1: -float(k), 2: 1.0} for k in range(1, 11)},
    }
    noise.add_trial(0, list(range(11)), curves, up_to=2)
    assert noise.epsilon == pytest.approx(np.percentile(np.arange(1, 11), 90))
    curves[3] = {1: -3.0, 2: 1.0, 3: -1.0}  # re-measured on a longer curve: gap 1
    curves[0][3] = 0.0
    noise.add_trial(3, [0], curves, up_to=3)
    gaps = [1.0, 2.0, 1.0] + [float(k) for k in range(4, 11)]
    assert noise.epsilon == pytest.approx(np.percentile(gaps, 90))


def _gaps_row_by_row(differences: np.ndarray) -> np.ndarray:
    """The former loop: each row without its NaN entries, through latest_crossing_gaps."""
    gaps = np.full(len(differences), np.nan)
    for row, values in enumerate(differences):
        valid = values[~np.isnan(values)]
        gaps[row] = latest_crossing_gaps(valid[None, :])[0]
    return gaps


@pytest.mark.parametrize("seed", range(20))
def test_vectorised_crossing_gaps_equal_the_row_by_row_loop(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m, steps = int(rng.integers(0, 30)), int(rng.integers(1, 12))
    differences = rng.choice([-2.0, -1.0, 0.0, 0.5, 3.0], size=(m, steps)) * rng.random((m, steps))
    special = rng.random((m, steps))
    differences[special < 0.3] = np.nan
    differences[special > 0.97] = np.inf
    differences[(special > 0.95) & (special <= 0.97)] = 0.0
    np.testing.assert_array_equal(crossing_gaps(differences), _gaps_row_by_row(differences))


@pytest.mark.parametrize("seed", range(10))
def test_noise_from_a_curve_matrix_equals_noise_from_dicts(seed: int) -> None:
    """Same gaps, pairs (in the same order) and epsilon as from `{trial: {r: value}}`."""
    rng = np.random.default_rng(seed)
    dicts: dict[int, dict[float, float]] = {}
    matrix = CurveMatrix()
    from_dicts, from_matrix = CrissCrossNoise(), CrissCrossNoise()
    resources = [1.0, 2.0, 3.0, 4.5, 9.0, 0.5]
    for _ in range(60):
        trial_id = int(rng.integers(25))
        for resource in rng.choice(resources, size=int(rng.integers(1, 5))).tolist():
            value = float(rng.choice([rng.normal(), np.inf, 0.0]))
            dicts.setdefault(trial_id, {})[resource] = value
            matrix.set(trial_id, resource, value)
        others = rng.integers(27, size=int(rng.integers(0, 15))).tolist()
        up_to = float(rng.choice(resources))
        from_dicts.add_trial(trial_id, others, dicts, up_to=up_to)
        from_matrix.add_trial(trial_id, others, matrix, up_to=up_to)
        gaps = from_dicts.state_dict()["gaps"]
        assert list(from_matrix.state_dict()["gaps"].items()) == list(gaps.items())
        assert from_matrix.epsilon == from_dicts.epsilon
        expected = np.percentile(list(gaps.values()), 90) if gaps else 0.0
        assert from_matrix.epsilon == pytest.approx(expected, rel=1e-12, abs=1e-300)
    restored = CrissCrossNoise()
    restored.load_state_dict(pickle.loads(pickle.dumps(from_matrix.state_dict())))
    assert restored.state_dict() == from_matrix.state_dict()
    assert restored.epsilon == from_matrix.epsilon


class LoopPASHA(PASHAScheduler):
    """The former `_after_record`: Python lists of the top rung, curves as dicts."""

    def _after_record(self, index: int, trial_id: int) -> None:
        if index != self._top or self._top == self._final:
            return
        top, below = self._rungs[index], self._rungs[index - 1]
        ranked = top.trial_ids()
        if self._fixed_epsilon is None:
            self._noise.add_trial(trial_id, ranked, self._curves, up_to=top.level)
        previous = np.array([below.value(t) for t in ranked if t in below])
        if not soft_ranking_consistent(previous, self.epsilon):
            self._top += 1


def _noisy_run(
    kind: type[PASHAScheduler], seed: int, restore_at: int | None = None
) -> list[object]:
    """Every suggestion, decision, epsilon and maximum of a run on noisy curves."""
    space = {"x": uniform(0.0, 1.0), "epochs": 27}

    def build() -> PASHAScheduler:
        searcher = RandomSearcher(space, seed=seed)
        return kind(searcher, metric="loss", resource_attr="epoch", max_resource_attr="epochs")

    scheduler = build()
    log: list[object] = []
    trials: dict[int, Trial] = {}
    epochs: dict[int, int] = {}
    running: list[Trial] = []
    for step in range(700):
        if step == restore_at:
            state = pickle.loads(pickle.dumps(scheduler.state_dict()))
            scheduler = build()
            scheduler.load_state_dict(state)
        while len(running) < 4 and (suggestion := scheduler.suggest(len(trials))) is not None:
            log.append(repr(suggestion))
            if suggestion.resume_trial_id is None:
                trial = trials[len(trials)] = Trial(len(trials), dict(suggestion.config or {}))
                scheduler.on_trial_add(trial)
            else:
                trial = trials[suggestion.resume_trial_id]
                trial.config = dict(suggestion.config or trial.config)
            running.append(trial)
        trial = running.pop(0)
        epoch = epochs[trial.trial_id] = epochs.get(trial.trial_id, 0) + 1
        noise = np.random.default_rng([seed, trial.trial_id, epoch])
        loss = trial.config["x"] + 1 / epoch + 0.2 * noise.normal()
        result = {"epoch": epoch, "loss": np.nan if noise.random() < 0.03 else loss}
        decision = scheduler.on_trial_result(trial, result)
        log.append((trial.trial_id, epoch, decision, scheduler.epsilon))
        log.append(scheduler.current_max_resource)
        if decision is Decision.STOP:
            scheduler.on_trial_remove(trial)
        elif decision is Decision.CONTINUE and epoch < trial.config["epochs"]:
            running.append(trial)
        elif decision is Decision.CONTINUE:
            scheduler.on_trial_complete(trial, result)
    return log


@pytest.mark.parametrize("seed", range(3))
def test_pasha_decides_as_the_former_python_loops(seed: int) -> None:
    expected = _noisy_run(LoopPASHA, seed)
    assert any(isinstance(x, tuple) and x[3] > 0 for x in expected)  # pairs crossed
    assert _noisy_run(PASHAScheduler, seed) == expected
    assert _noisy_run(PASHAScheduler, seed, restore_at=350) == expected


def test_pasha_spends_less_than_promotion_asha(tmp_path: Path) -> None:
    from tunelab.blackbox import load

    blackbox = load("sklearn-digits-mlp")
    scheduler = PASHAScheduler(
        searcher(blackbox), metric="val_error", resource_attr="epoch", max_resource_attr="epochs"
    )
    _, pasha_results = run(tmp_path, blackbox, scheduler, "pasha")
    _, asha_results = run(tmp_path, blackbox, asha(blackbox, "promotion"), "asha")
    assert pasha_results["trial_id"].nunique() == asha_results["trial_id"].nunique()
    assert len(pasha_results) < len(asha_results)
    assert pasha_results["epoch"].max() <= scheduler.current_max_resource < 50
