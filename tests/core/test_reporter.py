"""The training-script reporter and the parser of its lines."""

from __future__ import annotations

import io
import json
import logging
import math
import time

import numpy as np
import pytest

from tunelab.core import reporter as reporter_module
from tunelab.core.reporter import METRIC_MARKER, Reporter, parse_metric_line, report


def lines_of(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def test_each_call_prints_one_compact_marked_line() -> None:
    stream = io.StringIO()
    reporter = Reporter(stream=stream)
    before = time.time()
    reporter(epoch=1, loss=0.5, name="a b", ok=True, note=None)
    reporter.report(epoch=np.int64(2), loss=np.float32(0.25), ok=np.bool_(False), gap=float("nan"))
    reporter(high=float("inf"), low=-math.inf)

    lines = lines_of(stream)
    assert len(lines) == 3
    assert all(line.startswith(METRIC_MARKER + " {") for line in lines)
    first, second, third = (json.loads(line[len(METRIC_MARKER) :]) for line in lines)
    assert lines[0].endswith(json.dumps(first, separators=(",", ":")))  # compact
    assert {k: first[k] for k in ("epoch", "loss", "name", "ok", "note")} == {
        "epoch": 1,
        "loss": 0.5,
        "name": "a b",
        "ok": True,
        "note": None,
    }
    assert (second["epoch"], second["loss"], second["ok"]) == (2, 0.25, False)
    assert type(second["epoch"]) is int
    assert math.isnan(second["gap"])
    assert "NaN" in lines[1]
    assert "Infinity" in lines[2]
    assert (third["high"], third["low"]) == (math.inf, -math.inf)
    assert [r["worker_iter"] for r in (first, second, third)] == [0, 1, 2]
    assert 0 <= first["worker_time"] <= second["worker_time"] <= third["worker_time"] < 5
    assert before <= first["worker_timestamp"] <= time.time()


def test_module_level_report_uses_one_default_reporter(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reporter_module, "_default_reporter", None)
    report(step=1)
    report(step=2)
    lines = capsys.readouterr().out.splitlines()
    assert [parse_metric_line(line)["worker_iter"] for line in lines] == [0, 1]  # type: ignore[index]


@pytest.mark.parametrize(
    "key", ["trial_id", "tuner_time", "decision", "status", "worker_time", "worker_rank"]
)
def test_reserved_keys_are_rejected(key: str) -> None:
    stream = io.StringIO()
    with pytest.raises(ValueError, match=f"'{key}' is reserved"):
        Reporter(stream=stream)(**{key: 1, "loss": 0.1})
    assert stream.getvalue() == ""


@pytest.mark.parametrize("value", [[1, 2], {"a": 1}, object(), np.array([1.0, 2.0]), b"x"])
def test_values_must_be_json_scalars(value: object) -> None:
    stream = io.StringIO()
    with pytest.raises(TypeError, match=r"cannot report weights=.*expected a number"):
        Reporter(stream=stream)(loss=0.1, weights=value)
    assert stream.getvalue() == ""


def test_parse_own_lines_round_trip() -> None:
    stream = io.StringIO()
    Reporter(stream=stream)(loss=0.125, epoch=3)
    result = parse_metric_line(stream.getvalue())
    assert result is not None
    assert (result["loss"], result["epoch"], result["worker_iter"]) == (0.125, 3, 0)


def test_parse_syne_tune_lines() -> None:
    line = (
        '[tune-metric]: {"acc": 0.9, "st_worker_time": 1.5, "st_worker_timestamp": 100.0,'
        ' "st_worker_iter": 4, "st_worker_cost": 0.01}\r\n'
    )
    assert parse_metric_line(line) == {
        "acc": 0.9,
        "worker_time": 1.5,
        "worker_timestamp": 100.0,
        "worker_iter": 4,
        "st_worker_cost": 0.01,
    }


@pytest.mark.parametrize(
    "line",
    ["", "epoch 3 loss 0.2", " [tunelab-metric]: {}", "[tunelab-metric] {}", "[metric]: {}"],
)
def test_other_lines_are_not_results(line: str) -> None:
    assert parse_metric_line(line) is None


@pytest.mark.parametrize(
    "line", ['[tunelab-metric]: {"loss": ', "[tune-metric]: [1, 2]", "[tunelab-metric]: 3"]
)
def test_malformed_payloads_warn_and_are_skipped(
    line: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="tunelab.core.reporter"):
        assert parse_metric_line(line) is None
    assert "Skipping metric line" in caplog.text
