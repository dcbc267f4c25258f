"""`ResultScreen`: which values of a reported result the tuner records and shows its
scheduler, with the warnings for the others (see `Tuner`'s docstring)."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from typing import Any

from tunelab.core.trial import as_number, screen_result

logger = logging.getLogger("tunelab.core.tuner")


class ResultScreen:
    """Screens every result of one experiment.

    A key whose recorded values so far are numbers (`numeric_keys`), or that the
    scheduler needs as a number (its metrics and resource attribute), only takes
    numbers and None; other values are rejected. A rejected metric is recorded and
    passed on as NaN, a rejected resource value hides the result from the scheduler,
    anything else rejected is left out. Each (trial, key) is warned about once.
    """

    def __init__(self) -> None:
        self.numeric_keys: set[str] = set()
        self._warned: set[tuple[int, str]] = set()
        # the metrics and resource attribute last asked for, as a set, and the keys
        # held to numbers (`numeric_keys | needed`), kept up to date as keys are added
        self._needed: tuple[list[str], str | None, frozenset[str]] = ([], None, frozenset())
        self._numeric_or_needed: set[str] = set()

    def restore(self, numeric_keys: Iterable[str]) -> None:
        """Start from the numeric columns of results recorded earlier."""
        self.numeric_keys = set(numeric_keys)
        self._numeric_or_needed = self.numeric_keys | self._needed[2]

    def usable(
        self, trial_id: int, result: dict[str, Any], metrics: list[str], attr: str | None
    ) -> tuple[dict[str, Any], bool]:
        """`result` without the values a numeric column or the scheduler cannot take,
        and whether the scheduler may see it."""
        needed = self._needed_keys(metrics, attr)
        kept, rejected = screen_result(result, numeric=self._numeric_or_needed)
        if None in kept.values():
            for key in needed & kept.keys():
                if kept[key] is None:
                    rejected[key] = kept.pop(key)
        for key, value in rejected.items():
            if key in metrics:
                kept[key] = math.nan
                handling = "recorded as NaN, and passed to the scheduler as NaN"
            elif key == attr:
                handling = "left out, and the result is not shown to the scheduler"
            else:
                handling = "left out of the results"
            self._warn(trial_id, key, value, handling)
        numeric = self.numeric_keys
        for key, value in kept.items():
            if key not in numeric and key not in rejected and is_numeric(value):
                numeric.add(key)
                self._numeric_or_needed.add(key)
        return kept, attr is None or attr not in rejected

    def _needed_keys(self, metrics: list[str], attr: str | None) -> frozenset[str]:
        """The metrics and the resource attribute as a set, built again only when
        they change (they are asked for at every result)."""
        if metrics != self._needed[0] or attr != self._needed[1]:
            keys = frozenset([*metrics, *([attr] if attr is not None else [])])
            self._needed = (metrics, attr, keys)
            self._numeric_or_needed = self.numeric_keys | keys
        return self._needed[2]

    def _warn(self, trial_id: int, key: str, value: Any, handling: str) -> None:
        if (trial_id, key) in self._warned:
            return
        self._warned.add((trial_id, key))
        logger.warning(
            "trial %d reported %s=%.100r (%s), which is not a number a results column can "
            "hold; %s (warned once per trial and key)",
            trial_id,
            key,
            value,
            type(value).__name__,
            handling,
        )


def is_numeric(value: Any) -> bool:
    """Whether `value` is a number a results column holds (not a string or a bool)."""
    return value is not None and not isinstance(value, (str, bool)) and as_number(value) is not None
