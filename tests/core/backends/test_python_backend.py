"""PythonBackend: functions of every kind, run in real worker processes."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tunelab.core.backends.python import PythonBackend
from tunelab.core.checkpoint import load_checkpoint, save_checkpoint
from tunelab.core.reporter import report
from tunelab.core.trial import Trial, TrialStatus, TrialUpdate

TIMEOUT = 15.0


def quadratic(x: float, steps: int = 2) -> None:
    for step in range(1, steps + 1):
        report(step=step, y=(x - 1.0) ** 2)


def doubled(x: float) -> dict[str, float]:
    return {"y": 2 * x}


def keeps_everything(**config: Any) -> dict[str, Any]:
    return {"keys": ",".join(sorted(config))}


def explode(x: float) -> None:
    raise RuntimeError(f"diverged at x={x}")


def with_checkpoint(x: float, checkpoint_dir: Path) -> None:
    save_checkpoint({"x": x}, epoch=1, checkpoint_dir=checkpoint_dir)
    report(folder=str(checkpoint_dir), is_path=isinstance(checkpoint_dir, Path))


def make_closure(scale: float) -> Callable[[float], dict[str, float]]:
    def scaled(x: float) -> dict[str, float]:
        return {"y": scale * x}

    return scaled


def run_all(
    tmp_path: Path, functions: dict[str, Callable[..., Any]], config: dict[str, Any]
) -> dict[str, tuple[PythonBackend, list[TrialUpdate]]]:
    """Run trial 0 of every function concurrently; return each backend with its updates."""
    backends = {}
    for name, fn in functions.items():
        backend = PythonBackend(fn, gpus=[])
        backend.set_path(tmp_path / name)
        backend.start_trial(Trial(trial_id=0, config=config))
        backends[name] = backend
    updates: dict[str, list[TrialUpdate]] = {name: [] for name in functions}
    deadline = time.monotonic() + TIMEOUT
    while not all(any(u.status.is_finished for u in ups) for ups in updates.values()):
        assert time.monotonic() < deadline, f"timed out; updates so far: {updates}"
        time.sleep(0.01)
        for name, backend in backends.items():
            updates[name] += backend.fetch_new_results()
    return {name: (backends[name], updates[name]) for name in functions}


def outcome(updates: list[TrialUpdate]) -> tuple[list[dict[str, Any]], TrialUpdate]:
    results = [r for u in updates for r in u.results]
    (last,) = [u for u in updates if u.status.is_finished]
    return results, last


def check_completed(
    tmp_path: Path, functions: dict[str, Callable[..., Any]], expected: dict[str, Any]
) -> None:
    observed = {}
    for name, (backend, updates) in run_all(tmp_path, functions, {"x": 3.0}).items():
        results, last = outcome(updates)
        assert last.status is TrialStatus.COMPLETED, (name, last.error, backend.stderr(0))
        assert all(r["worker_iter"] == i for i, r in enumerate(results))
        observed[name] = [
            {k: v for k, v in r.items() if not k.startswith("worker_")} for r in results
        ]
    assert observed == expected


def test_module_level_functions(tmp_path: Path) -> None:
    check_completed(
        tmp_path,
        {"reports": quadratic, "returns_dict": doubled, "kwargs": keeps_everything},
        {
            "reports": [{"step": 1, "y": 4.0}, {"step": 2, "y": 4.0}],
            "returns_dict": [{"y": 6.0}],
            "kwargs": [{"keys": "x"}],
        },
    )


def test_lambda_and_closure(tmp_path: Path) -> None:
    offset = 10.0
    check_completed(
        tmp_path,
        {"lambda": lambda x: {"y": x + offset}, "closure": make_closure(3.0)},
        {"lambda": [{"y": 13.0}], "closure": [{"y": 9.0}]},
    )


def test_failing_functions(tmp_path: Path) -> None:
    runs = run_all(tmp_path, {"raises": explode, "returns_int": lambda x: 42}, {"x": 2.0})

    results, last = outcome(runs["raises"][1])
    assert last.status is TrialStatus.FAILED
    assert results == []
    assert last.error is not None
    assert last.error.startswith("exit code 1")
    assert "RuntimeError: diverged at x=2.0" in last.error
    assert "Traceback" in runs["raises"][0].stderr(0)

    results, last = outcome(runs["returns_int"][1])
    assert last.status is TrialStatus.FAILED
    assert results == []
    assert last.error is not None
    assert "returned int 42; expected a dict of final metrics or None" in last.error


def test_checkpoint_dir_parameter(tmp_path: Path) -> None:
    backend, updates = run_all(tmp_path, {"ckpt": with_checkpoint}, {"x": 1.5})["ckpt"]
    (result,), last = outcome(updates)
    assert last.status is TrialStatus.COMPLETED
    assert result["folder"] == str(backend.checkpoint_path(0))
    assert result["is_path"] is True
    assert load_checkpoint(backend.checkpoint_path(0)) == {"x": 1.5, "epoch": 1}


def test_config_key_the_function_does_not_take(tmp_path: Path) -> None:
    backend = PythonBackend(quadratic, gpus=[])
    backend.set_path(tmp_path)
    with pytest.raises(
        TypeError, match=r"config key 'lerning_rate' is not a parameter of .*quadratic"
    ):
        backend.start_trial(Trial(trial_id=0, config={"x": 1.0, "lerning_rate": 0.1}))
    with pytest.raises(TypeError, match="missing a required argument: 'x'"):
        backend.start_trial(Trial(trial_id=0, config={"steps": 1}))
    other = PythonBackend(with_checkpoint, gpus=[])
    other.set_path(tmp_path / "other")
    with pytest.raises(TypeError, match="'checkpoint_dir' clashes"):
        other.start_trial(Trial(trial_id=0, config={"x": 1.0, "checkpoint_dir": "/tmp"}))
    assert backend.busy_trial_ids() == []


def test_names_and_function_file(tmp_path: Path) -> None:
    backend = PythonBackend(quadratic, gpus=[])
    assert backend.default_name() == "quadratic"
    assert PythonBackend(lambda x: None, gpus=[]).default_name() == "lambda"
    backend.set_path(tmp_path / "experiment")
    assert backend.function_file == tmp_path / "experiment" / "function.pkl"
    assert backend.function_file.stat().st_size > 0
    with pytest.raises(TypeError, match="not callable"):
        PythonBackend(42, gpus=[])  # type: ignore[arg-type]
