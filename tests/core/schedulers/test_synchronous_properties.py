"""Invariants of synchronous successive halving under random schedules (hypothesis)."""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from tunelab.core.schedulers.synchronous import SynchronousHyperbandScheduler
from tunelab.core.schedulers.synchronous._evolution import _three_distinct
from tunelab.core.searchers import RandomSearcher
from tunelab.core.space import uniform
from tunelab.core.trial import Decision, Trial, TrialStatus

SPACE = {"x": uniform(0.0, 1.0), "epochs": 27}
LEVELS = [1, 3, 9, 27]


@settings(max_examples=40, deadline=None)
@given(
    workers=st.integers(1, 8),
    brackets=st.sampled_from([1, 2, 4]),
    failure=st.sampled_from([0.0, 0.05, 0.3]),
    seed=st.integers(0, 2**16),
)
def test_barriers_and_top_k_hold_under_any_schedule(
    workers: int, brackets: int, failure: float, seed: int
) -> None:
    scheduler = SynchronousHyperbandScheduler(
        RandomSearcher(SPACE, seed=seed),
        metric="loss",
        resource_attr="epoch",
        max_resource_attr="epochs",
        brackets=brackets,
    )
    sizes = {b: dict(zip(s.levels, s.sizes, strict=True)) for b, s in enumerate(scheduler.brackets)}
    rng = np.random.default_rng(seed)
    trials: dict[int, Trial] = {}
    bracket_of: dict[int, int] = {}
    handed: dict[tuple[int, int], list[int]] = defaultdict(list)  # (bracket, level) -> trials
    done: dict[tuple[int, int], dict[int, float]] = defaultdict(dict)  # -> trial: loss or nan
    running: list[Trial] = []
    for _ in range(600):
        while len(running) < workers:
            suggestion = scheduler.suggest(len(trials))
            assert suggestion is not None, "synchronous Hyperband never idles a worker"
            if suggestion.resume_trial_id is None:
                assert suggestion.config is not None
                trial = Trial(len(trials), suggestion.config)
                trials[trial.trial_id] = trial
                bracket_of[trial.trial_id] = scheduler._manager.pending[trial.trial_id][0]
                scheduler.on_trial_add(trial)
            else:
                trial = trials[suggestion.resume_trial_id]
                assert trial.status is TrialStatus.PAUSED
                assert suggestion.config is not None
                key = (bracket_of[trial.trial_id], trial.config["epochs"])
                # the barrier: every trial handed the previous level has finished there
                assert set(done[key]) == set(handed[key])
                ranked = sorted((v, t) for t, v in done[key].items() if v == v)
                best = {
                    t for _, t in ranked[: sizes[key[0] % brackets][suggestion.config["epochs"]]]
                }
                assert trial.trial_id in best, "only the best of a full rung are promoted"
                trial.config = suggestion.config
                trial.status = TrialStatus.RUNNING
            level = trial.config["epochs"]
            handed[(bracket_of[trial.trial_id], level)].append(trial.trial_id)
            running.append(trial)
        trial = running.pop(int(rng.integers(len(running))))
        key = (bracket_of[trial.trial_id], trial.config["epochs"])
        if rng.random() < failure:
            trial.status = TrialStatus.FAILED
            scheduler.on_trial_error(trial)
            done[key][trial.trial_id] = float("nan")
            continue
        loss = round(float(rng.random()), 2)  # ties happen
        decision = scheduler.on_trial_result(trial, {"loss": loss, "epoch": key[1]})
        done[key][trial.trial_id] = loss
        if decision is Decision.PAUSE:
            assert key[1] < 27
            trial.status = TrialStatus.PAUSED
        else:
            assert decision is Decision.CONTINUE and key[1] == 27
            trial.status = TrialStatus.COMPLETED
            scheduler.on_trial_complete(trial, {"loss": loss, "epoch": 27})
    for (bracket, level), members in handed.items():
        assert len(members) == len(set(members)), "a trial evaluates a rung once"
        assert len(members) <= sizes[bracket % brackets][level], "rung sizes are never exceeded"
    starts = Counter(bracket_of.values())
    assert all(count <= scheduler.brackets[b % brackets].sizes[0] for b, count in starts.items())


def test_three_distinct_indices_are_uniform() -> None:
    rng = np.random.default_rng(0)
    for n in (3, 4, 7):
        draws = [_three_distinct(n, rng) for _ in range(20_000)]
        assert all(len(set(d)) == 3 and max(d) < n for d in draws)
        counts = np.bincount(np.array(draws).ravel(), minlength=n) / (3 * len(draws))
        np.testing.assert_allclose(counts, 1 / n, atol=0.01)
        ordered = Counter(draws)
        assert len(ordered) == n * (n - 1) * (n - 2)
        assert stats.chisquare(list(ordered.values())).pvalue > 0.001
