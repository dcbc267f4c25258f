"""Which bracket a free worker serves: the earliest one with a free slot."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tunelab.core.schedulers.synchronous._state import BracketState
from tunelab.core.schedulers.synchronous.brackets import Bracket


class BracketManager:
    """Runs the brackets in turn and assigns free workers to their slots.

    Brackets are opened in the order of `brackets`, cycling, and get consecutive
    ids. A free worker takes the next free slot of the earliest open bracket (the
    primary one); when every open bracket waits at its barrier (no free slot, only
    pending ones), it takes a slot of the next bracket, which is opened for it. So
    workers never idle while there is something to run, and brackets overlap only as
    much as the barriers require (Syne Tune's policy for synchronous Hyperband).

    Attributes:
        active: Open brackets by id, oldest first.
        pending: Trial id -> (bracket id, slot) for trials evaluating a slot.
        next_bracket_id: Id of the next bracket to open.
        opens_brackets: False once no new bracket may be opened.
    """

    def __init__(self, brackets: Sequence[Bracket]) -> None:
        self.brackets = list(brackets)
        self.active: dict[int, BracketState] = {}
        self.pending: dict[int, tuple[int, int]] = {}
        self.next_bracket_id = 0
        self.opens_brackets = True

    def bracket_with_free_slot(self) -> BracketState | None:
        """The earliest open bracket with a free slot, else a newly opened one, else None."""
        for state in self.active.values():
            if state.has_free_slot:
                return state
        if not self.opens_brackets:
            return None
        spec = self.brackets[self.next_bracket_id % len(self.brackets)]
        state = BracketState(self.next_bracket_id, list(spec.sizes), list(spec.levels))
        self.active[state.bracket_id] = state
        self.next_bracket_id += 1
        return state

    def assign(self, state: BracketState, trial_id: int) -> int:
        """Hand the next free slot of `state` to `trial_id`; returns the slot."""
        slot = state.take_slot(trial_id)
        self.pending[trial_id] = (state.bracket_id, slot)
        return slot

    def job_of(self, trial_id: int) -> tuple[BracketState, int] | None:
        """The bracket and slot that `trial_id` is evaluating, if any."""
        job = self.pending.get(trial_id)
        return None if job is None else (self.active[job[0]], job[1])

    def release(self, trial_id: int) -> tuple[BracketState, int] | None:
        """Like `job_of`, and `trial_id` is no longer pending."""
        job = self.job_of(trial_id)
        self.pending.pop(trial_id, None)
        return job

    def close_first_rung(self, state: BracketState) -> bool:
        """Shrink the first rung of `state` to the slots handed out; True if now complete.

        A bracket that had handed out no slot at all is dropped.
        """
        state.close_first_rung()
        if state.handed_out == 0:
            del self.active[state.bracket_id]
            return False
        return state.is_complete

    def finish(self, state: BracketState) -> None:
        del self.active[state.bracket_id]

    def state_dict(self) -> dict[str, Any]:
        return {
            "active": [state.to_dict() for state in self.active.values()],
            "pending": {tid: list(job) for tid, job in self.pending.items()},
            "next_bracket_id": self.next_bracket_id,
            "opens_brackets": self.opens_brackets,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        brackets = [BracketState.from_dict(data) for data in state["active"]]
        self.active = {bracket.bracket_id: bracket for bracket in brackets}
        self.pending = {
            int(tid): (int(job[0]), int(job[1])) for tid, job in state["pending"].items()
        }
        self.next_bracket_id = int(state["next_bracket_id"])
        self.opens_brackets = bool(state["opens_brackets"])
