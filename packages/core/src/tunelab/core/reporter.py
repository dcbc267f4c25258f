"""The training-script side of tuning: report metrics as marked lines on stdout.

A training script calls `report(epoch=3, loss=0.2)` once per result. Each call prints
one line, `[tunelab-metric]: {"epoch":3,"loss":0.2,...}`, which the backend reads from
the trial's log and hands to the tuner. Lines written by Syne Tune's reporter
(`[tune-metric]: ...`) are understood too, so scripts annotated for Syne Tune run
unchanged.

This module is imported by training scripts, so it imports nothing heavy.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any, TextIO

logger = logging.getLogger(__name__)

METRIC_MARKER = "[tunelab-metric]:"
"""Start of every line written by `Reporter`; a space and the JSON payload follow."""

SYNE_TUNE_METRIC_MARKER = "[tune-metric]:"
"""Start of the lines written by Syne Tune's reporter, also accepted by the parser."""

WORKER_TIME = "worker_time"
"""Seconds between the creation of the reporter and the report."""

WORKER_TIMESTAMP = "worker_timestamp"
"""`time.time()` when the report was made."""

WORKER_ITER = "worker_iter"
"""Number of earlier reports from the same reporter (0, 1, 2, ...)."""

RESERVED_KEYS = frozenset({"trial_id", "tuner_time", "decision", "status"})
"""Keys the tuner adds to results; a training script may not report them."""

RESERVED_PREFIX = "worker_"
"""Prefix of the keys the reporter adds; a training script may not report such keys."""

_SYNE_TUNE_RENAMES = {
    "st_worker_time": WORKER_TIME,
    "st_worker_timestamp": WORKER_TIMESTAMP,
    "st_worker_iter": WORKER_ITER,
}


class Reporter:
    """Prints one marked JSON line per reported result.

    Every result gets `worker_time`, `worker_timestamp` and `worker_iter` added.
    Values must be numbers, strings, booleans or None; numpy scalars are converted,
    and NaN and infinities are written as JSON's `NaN` / `Infinity`.

    Args:
        stream: Where the lines go; None means whatever `sys.stdout` is at each call.
    """

    def __init__(self, *, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._start = time.monotonic()
        self._iter = 0

    def __call__(self, **metrics: Any) -> None:
        """Report one result, e.g. `reporter(epoch=3, loss=0.2)`.

        Raises:
            ValueError: A key is reserved (`trial_id`, `tuner_time`, `decision`,
                `status`, or begins with `worker_`).
            TypeError: A value is not a JSON scalar.
        """
        payload = {key: _json_scalar(key, value) for key, value in metrics.items()}
        for key in payload:
            if key in RESERVED_KEYS or key.startswith(RESERVED_PREFIX):
                raise ValueError(
                    f"metric name {key!r} is reserved for tunelab; reserved are "
                    f"{sorted(RESERVED_KEYS)} and names beginning with {RESERVED_PREFIX!r}"
                )
        payload[WORKER_TIME] = time.monotonic() - self._start
        payload[WORKER_TIMESTAMP] = time.time()
        payload[WORKER_ITER] = self._iter
        line = METRIC_MARKER + " " + json.dumps(payload, separators=(",", ":"))
        stream = self._stream if self._stream is not None else sys.stdout
        print(line, file=stream, flush=True)
        self._iter += 1

    def report(self, **metrics: Any) -> None:
        """Same as calling the reporter."""
        self(**metrics)


_default_reporter: Reporter | None = None


def report(**metrics: Any) -> None:
    """Report one result through a process-wide `Reporter`, created on first use.

    Example:
        >>> from tunelab.core.reporter import report
        >>> report(epoch=1, loss=0.5)  # doctest: +SKIP
    """
    global _default_reporter
    if _default_reporter is None:
        _default_reporter = Reporter()
    _default_reporter(**metrics)


def parse_metric_line(line: str) -> dict[str, Any] | None:
    """Return the result carried by one line of a trial's stdout, or None.

    Lines beginning with `METRIC_MARKER` or Syne Tune's `SYNE_TUNE_METRIC_MARKER` are
    decoded. In Syne Tune lines, `st_worker_time`, `st_worker_timestamp` and
    `st_worker_iter` are renamed to tunelab's `worker_*` names; other keys, including
    other `st_` keys such as `st_worker_cost`, are kept as they are. A marked line
    whose payload is not a JSON object is logged as a warning and skipped, so that a
    garbled line never stops tuning.
    """
    text = line.rstrip("\r\n")
    if text.startswith(METRIC_MARKER):
        payload, from_syne_tune = text[len(METRIC_MARKER) :], False
    elif text.startswith(SYNE_TUNE_METRIC_MARKER):
        payload, from_syne_tune = text[len(SYNE_TUNE_METRIC_MARKER) :], True
    else:
        return None
    try:
        result = json.loads(payload)
    except ValueError as err:
        logger.warning("Skipping metric line with malformed JSON (%s): %.200r", err, text)
        return None
    if not isinstance(result, dict):
        logger.warning("Skipping metric line whose payload is not a JSON object: %.200r", text)
        return None
    if from_syne_tune:
        result = {_SYNE_TUNE_RENAMES.get(key, key): value for key, value in result.items()}
    return result


def _json_scalar(key: str, value: Any) -> Any:
    # numpy cannot have produced the value unless the script imported it already.
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, numpy.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(
        f"cannot report {key}={value!r} of type {type(value).__name__}; "
        "expected a number, string, bool or None"
    )
