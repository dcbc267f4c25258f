"""Bookkeeping of one running bracket: the slots of its current rung."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass
class BracketState:
    """The current rung of one bracket, as a list of slots.

    A slot is free (not handed out yet), pending (a trial is evaluating it) or
    occupied (its value is known). Slots are handed out in order, so slots
    `[0, handed_out)` are pending or occupied and the rest are free. Values are
    losses (smaller is better); NaN marks a trial that failed, was stopped or ended
    before its rung level, which is ranked last and never promoted.

    Attributes:
        bracket_id: Position of the bracket in the sequence of brackets run.
        sizes: Slots of each rung; the first rung shrinks when the searcher runs dry.
        levels: Resource level of each rung.
        rung: Index of the current rung.
        trial_ids: Per slot, the trial filling it (None until one is assigned).
        values: Per slot, the loss once reported (None while free or pending).
        handed_out: Number of slots handed out so far in the current rung.
        occupied: Number of slots with a value in the current rung.
    """

    bracket_id: int
    sizes: list[int]
    levels: list[float]
    rung: int = 0
    trial_ids: list[int | None] = field(default_factory=list)
    values: list[float | None] = field(default_factory=list)
    handed_out: int = 0
    occupied: int = 0

    def __post_init__(self) -> None:
        if not self.trial_ids:
            self.trial_ids = [None] * self.sizes[self.rung]
            self.values = [None] * self.sizes[self.rung]

    @property
    def level(self) -> float:
        """Resource level of the current rung."""
        return self.levels[self.rung]

    @property
    def is_last_rung(self) -> bool:
        return self.rung == len(self.levels) - 1

    @property
    def has_free_slot(self) -> bool:
        return self.handed_out < len(self.trial_ids)

    @property
    def is_complete(self) -> bool:
        """Every slot of the current rung is occupied: the synchronisation barrier."""
        return self.occupied == len(self.trial_ids)

    def take_slot(self, trial_id: int) -> int:
        """Hand out the next free slot to `trial_id`; returns the slot index."""
        slot = self.handed_out
        self.trial_ids[slot] = trial_id
        self.handed_out += 1
        return slot

    def occupy(self, slot: int, value: float, trial_id: int | None = None) -> None:
        """Write the loss of a pending slot (and, optionally, the trial it credits)."""
        if self.values[slot] is not None:
            raise RuntimeError(f"slot {slot} of bracket {self.bracket_id} is already occupied")
        self.values[slot] = value
        if trial_id is not None:
            self.trial_ids[slot] = trial_id
        self.occupied += 1

    def ranking(self) -> list[int]:
        """Occupied slots with a finite loss, best first; ties go to the smaller trial id."""
        scored = [
            (value, _id_order(self.trial_ids[slot]), slot)
            for slot, value in enumerate(self.values)
            if value is not None and not math.isnan(value)
        ]
        return [slot for _, _, slot in sorted(scored)]

    def advance(self, trial_ids: list[int | None]) -> None:
        """Move to the next rung, whose slots are preassigned to `trial_ids`.

        Fewer ids than the rung's size shrink the rung (not enough trials to promote).
        """
        self.rung += 1
        self.sizes[self.rung] = len(trial_ids)
        self.trial_ids = list(trial_ids)
        self.values = [None] * len(trial_ids)
        self.handed_out = 0
        self.occupied = 0

    def close_first_rung(self) -> None:
        """Shrink rung 0 to the slots already handed out (the searcher is exhausted).

        Later rungs are scaled by the same fraction (rounded up, at least 1), so the
        bracket keeps its proportions.
        """
        if self.rung != 0 or not self.has_free_slot:
            return
        planned, kept = self.sizes[0], self.handed_out
        self.sizes = [kept] + [
            min(kept, max(1, math.ceil(size * kept / planned))) for size in self.sizes[1:]
        ]
        del self.trial_ids[kept:]
        del self.values[kept:]

    def to_dict(self) -> dict[str, Any]:
        return {
            "bracket_id": self.bracket_id,
            "sizes": list(self.sizes),
            "levels": list(self.levels),
            "rung": self.rung,
            "trial_ids": list(self.trial_ids),
            "values": list(self.values),
            "handed_out": self.handed_out,
            "occupied": self.occupied,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BracketState:
        return cls(
            bracket_id=int(data["bracket_id"]),
            sizes=list(data["sizes"]),
            levels=list(data["levels"]),
            rung=int(data["rung"]),
            trial_ids=list(data["trial_ids"]),
            values=list(data["values"]),
            handed_out=int(data["handed_out"]),
            occupied=int(data["occupied"]),
        )


def _id_order(trial_id: int | None) -> int:
    return -1 if trial_id is None else trial_id
