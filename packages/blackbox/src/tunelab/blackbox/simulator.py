"""`SimulatorBackend`: run a blackbox as if its configurations were being trained.

Each trial's results arrive at the virtual times its training would have taken (the
blackbox's cumulative time objective per fidelity), on a virtual clock that the tuner
reads. The clock jumps from one event to the next, so hours of asynchronous tuning
with many workers take seconds, and the order in which results arrive, and thus
every scheduler decision, is the one real training would have produced.
"""

from __future__ import annotations

import heapq
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tunelab.blackbox.blackbox import Blackbox
from tunelab.core.backends.base import Backend
from tunelab.core.clock import Clock
from tunelab.core.status import COST_KEY
from tunelab.core.trial import Trial, TrialStatus, TrialUpdate

logger = logging.getLogger(__name__)


class SimulatedClock(Clock):
    """Virtual time: `sleep` jumps to the simulator's next event.

    Without `charge_decisions` (the default of `SimulatorBackend`), decisions are
    instantaneous and a run depends only on its seeds. With it, time the tuner
    spends in the scheduler is added to the clock (real seconds become virtual
    seconds), so a method that thinks for two seconds per decision pays for them as
    it would in a real run; the run then depends on the machine and its load.
    """

    def __init__(self, simulator: SimulatorBackend, *, charge_decisions: bool) -> None:
        self._simulator = simulator
        self._now = 0.0
        self.charge_decisions = charge_decisions

    def time(self) -> float:
        return self._now

    def sleep(self, seconds: float) -> None:
        upcoming = self._simulator.next_event_time()
        if upcoming is None:
            self._now += max(seconds, 0.0)
        else:
            self._now = max(self._now, upcoming)

    def charge(self, seconds: float) -> None:
        if self.charge_decisions:
            self._now += seconds


@dataclass(slots=True)
class _Run:
    """A trial being (virtually) trained."""

    generation: int
    curve: dict[str, np.ndarray]
    values: list[tuple[str, list[float] | np.ndarray]]  # the curve, float64 columns as lists
    elapsed: list[float]  # cumulative training time at each fidelity index
    start_time: float
    start_index: int
    last_index: int
    done_index: int  # last fidelity index reported, -1 before the first
    cost: np.ndarray | None  # cumulative cost at each fidelity index, with `cost_attr`


class SimulatorBackend(Backend):
    """Trains nothing: reads each trial's results from `blackbox` at virtual times.

    Checkpoints are simulated: a trial's checkpoint is the last fidelity it reported.
    A paused trial resumes at the next fidelity, paying only for the fidelities
    still to train. `copy_checkpoint(source, target)` lets a new trial (Population
    Based Training's exploit step) continue from the source trial's current
    fidelity: its first result is at the fidelity after the source's last one, and
    takes the time of that one step. Its values come from the blackbox evaluated
    for the NEW configuration (its own learning curve from there on), which stands
    in for training that continues from the copied weights with new
    hyperparameters. `delete_checkpoint(trial_id)` forgets the fidelity reached: a
    paused trial resumed afterwards trains again from the first fidelity (the tuner
    skips results for fidelities it had already reported) and pays for it. The
    checkpoints are saved with the tuner's state (`state_dict`), so the trials of a
    resumed or extended experiment continue from the fidelity they had reached.

    With `cost_attr`, every result also carries `worker_cost` (the key that
    `StoppingCriterion(max_cost=...)` sums over trials): what the trial has cost so
    far, read from the objective `cost_attr`, which like the time objective holds the
    *cumulative* cost at each fidelity (e.g. training seconds). A trial pays for each
    fidelity it trains: a resumed trial only for the fidelities after its
    checkpoint, one whose checkpoint was deleted for training again from scratch.

    Args:
        blackbox: The benchmark.
        max_resource_attr: Configuration key holding the fidelity up to which a trial
            trains (e.g. "epochs"; multi-fidelity schedulers rewrite it when they
            promote a trial); None trains every trial to the blackbox's last fidelity.
        seed: Picks, reproducibly, which of the blackbox's seeds each trial reads.
        charge_decision_time: Add the real time the scheduler spends deciding to the
            virtual clock (see `SimulatedClock`), as a real run would pay for it. Off
            by default: the same seeds then give the same run on any machine, under
            any load. Turning it on makes results depend on the machine and its load;
            `describe()` records the choice in the experiment's metadata. The time is
            measured and recorded in the results (`decision_time`) either way.
        time_per_fidelity: Seconds per fidelity step when the blackbox has no time
            objective.
        time_scale: Virtual seconds per second of recorded training time, e.g. 100
            to study a benchmark whose models train in a fraction of a second as if
            they took minutes (relative to the scheduler's decision time).
        name: Default experiment name (see `Tuner`'s `path`).
        keep_event_log: Record every start, result and end in `events` (for analysis
            and tests; it grows with the run).
        cost_attr: Objective holding the cumulative cost per fidelity, reported as
            `worker_cost`; None reports no cost.
    """

    def __init__(
        self,
        blackbox: Blackbox,
        *,
        max_resource_attr: str | None = None,
        seed: int = 0,
        charge_decision_time: bool = False,
        time_per_fidelity: float | None = None,
        time_scale: float = 1.0,
        name: str = "simulated",
        keep_event_log: bool = False,
        cost_attr: str | None = None,
    ) -> None:
        if blackbox.time_objective is None and time_per_fidelity is None:
            raise ValueError(
                f"{blackbox!r} reports no training time (time_objective is None); pass "
                "time_per_fidelity=<seconds> to simulate a fixed time per fidelity step"
            )
        if time_per_fidelity is not None and time_per_fidelity <= 0:
            raise ValueError(f"time_per_fidelity must be > 0, got {time_per_fidelity}")
        if not time_scale > 0:
            raise ValueError(f"time_scale must be > 0, got {time_scale}")
        if cost_attr is not None and cost_attr not in blackbox.objectives_names:
            raise ValueError(
                f"cost_attr {cost_attr!r} is not an objective of {blackbox!r}; its "
                f"objectives are {blackbox.objectives_names}"
            )
        self.blackbox = blackbox
        self.max_resource_attr = max_resource_attr
        self.seed = int(seed)
        self.time_per_fidelity = time_per_fidelity
        self.time_scale = float(time_scale)
        self.name = name
        self.cost_attr = cost_attr
        self._costs: dict[int, float] = {}  # trial -> cost paid so far (with cost_attr)
        self._clock = SimulatedClock(self, charge_decisions=charge_decision_time)
        self._fidelities = blackbox.fidelity_values
        self._resource_attr = blackbox.fidelity_name
        # the resource key and the value reported at each fidelity index (whole ones as ints)
        self._reported: tuple[str, list[int | float]] | None = None
        if self._resource_attr is not None and self._fidelities is not None:
            values = [float(v) for v in self._fidelities]
            self._reported = (
                self._resource_attr,
                [int(v) if v.is_integer() else v for v in values],
            )
        self._space_keys = set(blackbox.configuration_space)
        self._runs: dict[int, _Run] = {}
        self._paused: dict[int, _Run] = {}
        self._checkpoints: dict[int, int] = {}  # trial -> last fidelity index reported
        self._ended: set[int] = set()  # trials whose training ended by itself
        self._events: list[tuple[float, int, int, int]] = []  # time, seq, trial, generation
        self._sequence = 0
        self._generation = 0
        self.keep_event_log = keep_event_log
        self.events: list[tuple[float, int, str]] = []
        """With `keep_event_log`: (virtual time, trial id, "start" | "result" | "end")."""

    @property
    def clock(self) -> SimulatedClock:
        return self._clock

    def default_name(self) -> str:
        return self.name

    @property
    def charge_decision_time(self) -> bool:
        """Whether the scheduler's real decision time is added to the virtual clock."""
        return self._clock.charge_decisions

    def describe(self) -> dict[str, Any]:
        """The settings that shape a simulated run, for the experiment's metadata."""
        name = getattr(self.blackbox, "name", None)  # not every blackbox has one
        per_step = self.time_per_fidelity
        settings: dict[str, Any] = {
            "blackbox": name if isinstance(name, str) else repr(self.blackbox),
            "seed": self.seed,
            "charge_decision_time": self.charge_decision_time,
            "time_scale": self.time_scale,
            "time_per_fidelity": None if per_step is None else float(per_step),
            "max_resource_attr": self.max_resource_attr,
        }
        if self.cost_attr is not None:  # absent otherwise: earlier runs still resume
            settings["cost_attr"] = self.cost_attr
        return settings

    def set_path(self, path: Path) -> None:
        super().set_path(path)
        if self.charge_decision_time:
            logger.info(
                "charge_decision_time is on: the scheduler's real decision time moves the "
                "simulated clock, so results depend on this machine and its load"
            )

    # -- Backend API --------------------------------------------------------------------

    def start_trial(self, trial: Trial) -> None:
        """Start `trial`, at the first fidelity or, after `copy_checkpoint`, at the one
        after the copied checkpoint's."""
        self._launch(trial, self._curve(trial), start_index=self._resume_index(trial.trial_id))

    def resume_trial(self, trial: Trial) -> None:
        """Continue after the trial's checkpoint (from scratch if it was deleted, or
        if this backend never ran the trial)."""
        paused = self._paused.pop(trial.trial_id, None)
        self._ended.discard(trial.trial_id)
        curve = self._curve(trial) if paused is None else paused.curve
        self._launch(trial, curve, start_index=self._resume_index(trial.trial_id))

    def pause_trial(self, trial_id: int) -> None:
        """Pause a running trial; one that just reached its last fidelity (it ended by
        itself in the same update) stays resumable too."""
        if trial_id in self._ended:
            return
        run = self._take(trial_id)
        self._paused[trial_id] = run
        self._log((self._clock.time(), trial_id, "end"))

    def stop_trial(self, trial_id: int) -> None:
        if trial_id in self._paused:
            del self._paused[trial_id]
            return
        if trial_id in self._ended:
            return
        self._take(trial_id)
        self._log((self._clock.time(), trial_id, "end"))

    def copy_checkpoint(self, source_trial_id: int, target_trial_id: int) -> None:
        """Let the (not yet started) target continue from the source's last fidelity."""
        index = self._checkpoints.get(source_trial_id)
        if index is None:
            self._checkpoints.pop(target_trial_id, None)
        else:
            self._checkpoints[target_trial_id] = index

    def has_checkpoint(self, trial_id: int) -> bool:
        """Whether the trial has reported a fidelity it can continue after."""
        return trial_id in self._checkpoints

    def delete_checkpoint(self, trial_id: int) -> None:
        """Forget the fidelity the trial reached: a resume starts from scratch."""
        self._checkpoints.pop(trial_id, None)

    def busy_trial_ids(self) -> list[int]:
        return list(self._runs)

    def state_dict(self) -> dict[str, Any]:
        """The simulated checkpoints (the last fidelity index each trial reported) and,
        with `cost_attr`, what each trial has cost so far."""
        state: dict[str, Any] = {"checkpoints": dict(self._checkpoints)}
        if self.cost_attr is not None:
            state["costs"] = dict(self._costs)
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._checkpoints = {int(t): int(i) for t, i in state.get("checkpoints", {}).items()}
        self._costs = {int(t): float(c) for t, c in state.get("costs", {}).items()}

    def next_event_time(self) -> float | None:
        """Virtual time of the next pending result, None when nothing runs."""
        while self._events:
            when, _, trial_id, generation = self._events[0]
            run = self._runs.get(trial_id)
            if run is not None and run.generation == generation:
                return when
            heapq.heappop(self._events)  # the trial was paused or stopped meanwhile
        return None

    def fetch_new_results(self) -> list[TrialUpdate]:
        now = self._clock.time()
        updates = []
        while (when := self.next_event_time()) is not None and when <= now:
            _, _, trial_id, _ = heapq.heappop(self._events)
            updates.append(self._deliver(trial_id, when))
        return updates

    # -- internals ----------------------------------------------------------------------

    def _curve(self, trial: Trial) -> dict[str, np.ndarray]:
        config = {k: v for k, v in trial.config.items() if k in self._space_keys}
        seeds = self.blackbox.seeds
        if len(seeds) == 1:  # the draw below could only give 0: skip making a generator
            return self.blackbox.evaluate_curve(config, seed=seeds[0])
        seed = seeds[int(np.random.default_rng([self.seed, trial.trial_id]).integers(len(seeds)))]
        return self.blackbox.evaluate_curve(config, seed=seed)

    def _resume_index(self, trial_id: int) -> int:
        return self._checkpoints.get(trial_id, -1) + 1

    def _launch(self, trial: Trial, curve: dict[str, np.ndarray], *, start_index: int) -> None:
        last_index = self._last_index(trial.config)
        self._generation += 1
        run = _Run(
            generation=self._generation,
            curve=curve,
            values=[
                (name, column.tolist() if _is_float64(column) else column)
                for name, column in curve.items()
            ],
            elapsed=self._elapsed(curve).tolist(),
            start_time=self._clock.time(),
            start_index=start_index,
            last_index=last_index,
            done_index=start_index - 1,
            cost=None if self.cost_attr is None else _cumulative(curve[self.cost_attr]),
        )
        self._runs[trial.trial_id] = run
        if self.keep_event_log:
            self.events.append((run.start_time, trial.trial_id, "start"))
        if start_index > last_index:  # nothing left to train: ends at once
            self._schedule(trial.trial_id, run, run.start_time)
        else:
            self._schedule_next(trial.trial_id, run)

    def _schedule_next(self, trial_id: int, run: _Run) -> None:
        index = run.done_index + 1
        before = run.elapsed[run.start_index - 1] if run.start_index > 0 else 0.0
        self._schedule(trial_id, run, run.start_time + (run.elapsed[index] - before))

    def _schedule(self, trial_id: int, run: _Run, when: float) -> None:
        self._sequence += 1
        heapq.heappush(self._events, (when, self._sequence, trial_id, run.generation))

    def _deliver(self, trial_id: int, when: float) -> TrialUpdate:
        run = self._runs[trial_id]
        if run.done_index >= run.last_index:  # resumed past its last fidelity
            del self._runs[trial_id]
            self._ended.add(trial_id)
            self._log((when, trial_id, "end"))
            return TrialUpdate(trial_id, [], TrialStatus.COMPLETED, time=when)
        run.done_index += 1
        index = run.done_index
        self._checkpoints[trial_id] = index
        result: dict[str, Any] = {name: float(values[index]) for name, values in run.values}
        if self._reported is not None:
            attr, reported = self._reported
            result[attr] = reported[index]
        if run.cost is not None:
            step = run.cost[index] - (run.cost[index - 1] if index > 0 else 0.0)
            result[COST_KEY] = self._costs[trial_id] = self._costs.get(trial_id, 0.0) + float(step)
        log = self.events if self.keep_event_log else None
        if log is not None:
            log.append((when, trial_id, "result"))
        if index >= run.last_index:
            del self._runs[trial_id]
            self._ended.add(trial_id)
            if log is not None:
                log.append((when, trial_id, "end"))
            return TrialUpdate(trial_id, [result], TrialStatus.COMPLETED, time=when)
        self._schedule_next(trial_id, run)
        return TrialUpdate(trial_id, [result], TrialStatus.RUNNING, time=when)

    def _log(self, event: tuple[float, int, str]) -> None:
        if self.keep_event_log:
            self.events.append(event)

    def _take(self, trial_id: int) -> _Run:
        try:
            return self._runs.pop(trial_id)
        except KeyError:
            raise ValueError(f"trial {trial_id} is not running in the simulator") from None

    def _elapsed(self, curve: dict[str, np.ndarray]) -> np.ndarray:
        """Cumulative training time at each fidelity index, shape (n_fidelities,)."""
        attr = self.blackbox.time_objective
        n = len(next(iter(curve.values())))
        if attr is None:
            assert self.time_per_fidelity is not None
            return self.time_per_fidelity * self.time_scale * np.arange(1, n + 1, dtype=float)
        elapsed = _cumulative(curve[attr])
        return elapsed if self.time_scale == 1.0 else elapsed * self.time_scale

    def _last_index(self, config: dict[str, Any]) -> int:
        fidelities = self._fidelities
        if fidelities is None:
            return 0
        if self.max_resource_attr is None or self.max_resource_attr not in config:
            return len(fidelities) - 1
        limit = float(config[self.max_resource_attr])
        index = int(np.searchsorted(fidelities, limit, side="right")) - 1
        if index < 0:
            raise ValueError(
                f"config[{self.max_resource_attr!r}] = {limit:g} is below the smallest "
                f"fidelity {fidelities[0]:g} of the blackbox"
            )
        return index


def _cumulative(values: np.ndarray) -> np.ndarray:
    """A recorded cumulative quantity (time, cost) made usable: NaN as 0, and never
    decreasing (a table's noise must not give a step a negative duration or cost)."""
    array = np.asarray(values, dtype=float)
    cumulative: np.ndarray = np.maximum.accumulate(array)
    # `nan_to_num` is slow, and changes nothing unless the running maximum meets a NaN
    # (which it carries to the end), +inf (likewise) or starts at -inf
    if len(cumulative) and not (math.isfinite(cumulative[0]) and math.isfinite(cumulative[-1])):
        cumulative = np.maximum.accumulate(np.nan_to_num(array))
    return cumulative


def _is_float64(column: Any) -> bool:
    """Whether `column` is an array of doubles: its `tolist()` holds the very floats
    `float(column[i])` gives."""
    return isinstance(column, np.ndarray) and column.dtype == np.float64
