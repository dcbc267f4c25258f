"""Property tests: the rung bookkeeping agrees with a brute-force reading of the rules."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tunelab.core.schedulers.hyperband import HyperbandScheduler
from tunelab.core.schedulers.hyperband.scheduler import Kind
from tunelab.core.trial import Decision, Trial

from .test_hyperband import Recorder

LEVELS = (1, 3, 9, 27)


def scheduler(kind: Kind) -> HyperbandScheduler:
    return HyperbandScheduler(
        Recorder(),
        metric="loss",
        resource_attr="epoch",
        max_resource=27,
        kind=kind,
    )


def slots(rung: int, n: int) -> int:
    return math.floor(n * LEVELS[rung] / LEVELS[rung + 1] + 1e-9)


def rank(entries: list[tuple[float, int]], key: tuple[float, int]) -> int:
    return sorted(entries).index(key)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.integers(0, 4), min_size=3, max_size=3), min_size=1, max_size=40))
def test_stopping_decisions_match_the_rule(curves: list[list[int]]) -> None:
    hb = scheduler("stopping")
    rungs: list[list[tuple[float, int]]] = [[], [], []]
    for trial_id, curve in enumerate(curves):
        suggestion = hb.suggest(trial_id)
        assert suggestion is not None and suggestion.config is not None
        trial = Trial(trial_id, suggestion.config)
        for index, value in enumerate(curve):
            decision = hb.on_trial_result(trial, {"epoch": LEVELS[index], "loss": value})
            key = (float(value), trial_id)
            rungs[index].append(key)
            allowed = slots(index, len(rungs[index]))
            expected = allowed == 0 or rank(rungs[index], key) < allowed
            assert decision is (Decision.CONTINUE if expected else Decision.STOP)
            if decision is Decision.STOP:
                hb.on_trial_remove(trial)
                break


def reference_promotion(
    rungs: list[list[tuple[float, int]]], waiting: list[set[int]]
) -> tuple[int, int] | None:
    """ASHA's get_job: top rung first, the best paused trial of the top q_j n."""
    for index in range(len(rungs) - 1, -1, -1):
        top = sorted(rungs[index])[: slots(index, len(rungs[index]))]
        for _, trial_id in top:
            if trial_id in waiting[index]:
                return trial_id, index
    return None


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_promotions_match_the_rule(data: Any) -> None:
    hb = scheduler("promotion")
    rungs: list[list[tuple[float, int]]] = [[], [], []]
    waiting: list[set[int]] = [set(), set(), set()]
    running: dict[int, tuple[Trial, int]] = {}  # trial -> (trial, next rung index)
    next_id = 0
    for _ in range(data.draw(st.integers(1, 60))):
        if running and data.draw(st.booleans()):
            trial_id = data.draw(st.sampled_from(sorted(running)))
            trial, index = running.pop(trial_id)
            value = data.draw(st.integers(0, 4))
            decision = hb.on_trial_result(trial, {"epoch": LEVELS[index], "loss": value})
            if index == 3:
                assert decision is Decision.CONTINUE
                hb.on_trial_complete(trial, {})
                continue
            assert decision is Decision.PAUSE
            rungs[index].append((float(value), trial_id))
            waiting[index].add(trial_id)
            continue
        expected = reference_promotion(rungs, waiting)
        suggestion = hb.suggest(next_id)
        assert suggestion is not None
        if expected is None:
            assert suggestion.resume_trial_id is None
            trial = Trial(next_id, suggestion.config or {})
            hb.on_trial_add(trial)
            running[next_id] = (trial, 0)
            next_id += 1
        else:
            trial_id, index = expected
            assert suggestion.resume_trial_id == trial_id
            waiting[index].discard(trial_id)
            running[trial_id] = (Trial(trial_id, {}), index + 1)
