"""LocalBackend with real subprocesses running the tiny scripts in `scripts/`."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tunelab.core.backends.local import LocalBackend
from tunelab.core.checkpoint import load_checkpoint
from tunelab.core.trial import Trial, TrialStatus, TrialUpdate

SCRIPTS = Path(__file__).parent / "scripts"
TIMEOUT = 10.0


def make_backend(tmp_path: Path, script: str | Path, **kwargs: Any) -> LocalBackend:
    kwargs.setdefault("gpus", [])
    backend = LocalBackend(SCRIPTS / script, **kwargs)
    backend.set_path(tmp_path / "experiment")
    return backend


def poll(
    backend: LocalBackend,
    until: Callable[[list[TrialUpdate]], bool],
    updates: list[TrialUpdate] | None = None,
) -> list[TrialUpdate]:
    """Fetch into `updates` until `until(updates)` holds; fail after TIMEOUT seconds."""
    updates = [] if updates is None else updates
    deadline = time.monotonic() + TIMEOUT
    while True:
        updates += backend.fetch_new_results()
        if until(updates):
            return updates
        assert time.monotonic() < deadline, f"timed out; updates so far: {updates}"
        time.sleep(0.01)


def ended(*trial_ids: int) -> Callable[[list[TrialUpdate]], bool]:
    def check(updates: list[TrialUpdate]) -> bool:
        done = {u.trial_id for u in updates if u.status.is_finished}
        return done.issuperset(trial_ids)

    return check


def results(updates: list[TrialUpdate], trial_id: int) -> list[dict[str, Any]]:
    return [r for u in updates if u.trial_id == trial_id for r in u.results]


def final_update(updates: list[TrialUpdate], trial_id: int) -> TrialUpdate:
    (last,) = [u for u in updates if u.trial_id == trial_id and u.status.is_finished]
    return last


def wait_for(path: Path) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)


def is_alive(pid: int) -> bool:
    """False once `pid` is gone or a zombie (containers may not reap orphans)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: fall back to signal 0
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return state != "Z"


def test_parses_tunelab_and_syne_tune_lines_and_waits_for_partial_lines(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    backend = make_backend(tmp_path, "report_lines.py")
    backend.start_trial(Trial(trial_id=0, config={}))
    folder = backend.trial_path(0)
    updates = poll(backend, lambda _: (folder / "partial_written").exists())
    updates += backend.fetch_new_results()  # everything before the split line is complete

    first, syne = results(updates, 0)
    assert all(u.status is TrialStatus.RUNNING for u in updates)
    assert first["step"] == 1
    assert first["name"] == "first"
    assert first["worker_iter"] == 0
    assert syne == {
        "step": 2,
        "worker_time": 0.5,
        "worker_timestamp": 1.0,
        "worker_iter": 0,
        "st_worker_cost": 0.25,
    }
    assert "malformed JSON" in caplog.text
    assert backend.busy_trial_ids() == [0]

    (folder / "go").touch()
    poll(backend, ended(0), updates)
    assert [r["step"] for r in results(updates, 0)] == [1, 2, 3]
    assert final_update(updates, 0).status is TrialStatus.COMPLETED
    assert backend.busy_trial_ids() == []
    assert backend.fetch_new_results() == []
    assert "an ordinary log line" in backend.stdout(0)


def test_failed_trial_reports_exit_code_and_stderr_tail(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, "fail.py")
    backend.start_trial(Trial(trial_id=7, config={}))
    updates = poll(backend, ended(7))

    update = final_update(updates, 7)
    assert update.status is TrialStatus.FAILED
    assert update.error is not None
    assert update.error.startswith("exit code 3")
    error_lines = update.error.splitlines()
    assert error_lines[-20:] == [f"line {i}" for i in range(10, 30)]
    assert "line 9" not in error_lines
    assert [r["step"] for r in results(updates, 7)] == [1]
    assert "line 0" in backend.stderr(7)


def test_config_values_arrive_literally_without_a_shell(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    config = {
        "semicolon": f"; touch {marker}",
        "substitution": f"$(touch {marker})",
        "backticks": f"`touch {marker}`",
        "spaces": "a b  c",
        "negative": -0.5,
        "flag": True,
        "epochs": 3,
    }
    backend = make_backend(tmp_path, "echo.py", env={"EXTRA_VAR": "extra"})
    backend.start_trial(Trial(trial_id=0, config=config))
    (result,) = results(poll(backend, ended(0)), 0)

    assert result["argv"] == [
        "--semicolon", config["semicolon"],
        "--substitution", config["substitution"],
        "--backticks", config["backticks"],
        "--spaces", "a b  c",
        "--negative=-0.5",
        "--flag", "True",
        "--epochs", "3",
    ]  # fmt: skip
    assert not marker.exists()
    assert result["config"] == config
    assert json.loads((backend.trial_path(0) / "config.json").read_text()) == config


def test_trial_environment_and_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    backend = make_backend(tmp_path, "echo.py", env={"EXTRA_VAR": "extra"})
    backend.start_trial(Trial(trial_id=4, config={"x": 1}))
    (result,) = results(poll(backend, ended(4)), 4)

    env = result["env"]
    assert env["TUNELAB_TRIAL_ID"] == "4"
    assert env["TUNELAB_CHECKPOINT_DIR"] == str(backend.checkpoint_path(4))
    assert env["TUNELAB_CONFIG_JSON"] == str(backend.trial_path(4) / "config.json")
    assert env["EXTRA_VAR"] == "extra"
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["CUDA_VISIBLE_DEVICES"] is None
    assert result["cwd"] == os.getcwd()
    assert backend.checkpoint_path(4).is_dir()


def test_json_mode_passes_the_config_file(tmp_path: Path) -> None:
    config = {"layers": [64, 32], "optimizer": {"name": "adam", "lr": 0.001}, "flag": False}
    backend = make_backend(tmp_path, "echo.py", pass_config_as="json")
    backend.start_trial(Trial(trial_id=0, config=config))
    (result,) = results(poll(backend, ended(0)), 0)

    config_file = backend.trial_path(0) / "config.json"
    assert result["argv"] == ["--tunelab_config_json", str(config_file)]
    assert result["config"] == config


def test_executable_entry_point(tmp_path: Path) -> None:
    script = tmp_path / "train-exe"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        "print('[tunelab-metric]: ' + json.dumps({'argv': sys.argv[1:]}))\n"
    )
    script.chmod(0o755)
    backend = make_backend(tmp_path, script)
    assert backend.default_name() == "train-exe"
    backend.start_trial(Trial(trial_id=0, config={"lr": 0.1}))
    updates = poll(backend, ended(0))
    assert results(updates, 0) == [{"argv": ["--lr", "0.1"]}]
    assert final_update(updates, 0).status is TrialStatus.COMPLETED


def test_invalid_construction(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"missing\.py"):
        LocalBackend(tmp_path / "missing.py")
    not_executable = tmp_path / "train.sh"
    not_executable.write_text("echo hi\n")
    with pytest.raises(ValueError, match=r"train\.sh"):
        LocalBackend(not_executable)
    with pytest.raises(ValueError, match="'yaml'"):
        LocalBackend(SCRIPTS / "echo.py", pass_config_as="yaml")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="num_gpus_per_trial=3"):
        LocalBackend(SCRIPTS / "echo.py", gpus=["0", "1"], num_gpus_per_trial=3)
    assert LocalBackend(SCRIPTS / "echo.py", gpus=[]).default_name() == "echo"


def test_pause_then_resume_continues_from_checkpoint(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, "train_epochs.py")
    backend.start_trial(Trial(trial_id=0, config={"epochs": 1000, "sleep": 0.02}))
    updates = poll(backend, lambda ups: len(results(ups, 0)) >= 3)
    backend.pause_trial(0)
    assert backend.busy_trial_ids() == []
    after_pause = backend.fetch_new_results()
    assert all(u.status is TrialStatus.PAUSED for u in after_pause)
    assert backend.fetch_new_results() == []

    saved = load_checkpoint(backend.checkpoint_path(0))
    assert saved is not None
    reported = [r["epoch"] for r in results(updates + after_pause, 0)]
    assert reported == list(range(1, len(reported) + 1))
    assert saved["epoch"] in (reported[-1], reported[-1] + 1)  # may be killed before reporting

    with pytest.raises(ValueError, match="paused"):
        backend.pause_trial(0)
    resumed_at = saved["epoch"] + 1
    backend.resume_trial(Trial(trial_id=0, config={"epochs": resumed_at + 1}))
    assert backend.busy_trial_ids() == [0]
    resumed = poll(backend, ended(0))
    assert [(r["epoch"], r["start"]) for r in results(resumed, 0)] == [
        (resumed_at, resumed_at),
        (resumed_at + 1, resumed_at),
    ]
    assert final_update(resumed, 0).status is TrialStatus.COMPLETED
    log = backend.stdout(0)
    assert '"epoch":1,' in log
    assert f'"epoch":{resumed_at + 1},' in log


def test_a_new_backend_resumes_a_trial_of_an_earlier_tuner_process(tmp_path: Path) -> None:
    first = make_backend(tmp_path, "train_epochs.py")
    first.start_trial(Trial(trial_id=0, config={"epochs": 2}))
    poll(first, ended(0))
    second = make_backend(tmp_path, "train_epochs.py")  # same folder, fresh instance
    second.resume_trial(Trial(trial_id=0, config={"epochs": 4}))
    resumed = poll(second, ended(0))
    assert [r["epoch"] for r in results(resumed, 0)] == [3, 4]
    assert final_update(resumed, 0).status is TrialStatus.COMPLETED


def test_results_printed_before_a_pause_are_delivered(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, "sleeper.py")
    backend.start_trial(Trial(trial_id=0, config={}))
    wait_for(backend.trial_path(0) / "pids.json")  # no fetch before the pause
    backend.pause_trial(0)
    (update,) = backend.fetch_new_results()
    assert update.status is TrialStatus.PAUSED
    assert update.results == [{"value": 1}]
    backend.stop_trial(0)
    assert backend.fetch_new_results() == []


def test_stop_kills_the_process_group_after_the_grace_period(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, "sleeper.py", stop_grace_period=0.3)
    backend.start_trial(Trial(trial_id=0, config={"ignore_sigterm": True}))
    with pytest.raises(ValueError, match="started before"):
        backend.start_trial(Trial(trial_id=0, config={}))
    wait_for(backend.trial_path(0) / "pids.json")
    pids = json.loads((backend.trial_path(0) / "pids.json").read_text())
    with pytest.raises(ValueError, match="running"):
        backend.resume_trial(Trial(trial_id=0, config={}))

    began = time.monotonic()
    backend.stop_trial(0)
    assert 0.3 <= time.monotonic() - began < 3.0
    assert backend.busy_trial_ids() == []
    assert not is_alive(pids["trial"])
    deadline = time.monotonic() + TIMEOUT
    while is_alive(pids["grandchild"]):
        assert time.monotonic() < deadline, "grandchild survived the stop"
        time.sleep(0.01)
    (update,) = backend.fetch_new_results()  # what it printed before the stop
    assert update.status is TrialStatus.STOPPED
    assert update.results == [{"value": 1}]
    assert backend.fetch_new_results() == []
    with pytest.raises(ValueError, match="stopped"):
        backend.resume_trial(Trial(trial_id=0, config={}))
    with pytest.raises(ValueError, match="never started"):
        backend.stop_trial(99)


def test_gpu_rotation(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, "echo.py", gpus=["0", "1"])
    for trial_id in range(3):
        backend.start_trial(Trial(trial_id=trial_id, config={}))
    updates = poll(backend, ended(0, 1, 2))
    backend.start_trial(Trial(trial_id=3, config={}))  # all GPUs free again
    poll(backend, ended(3), updates)

    cuda = {
        trial_id: results(updates, trial_id)[0]["env"]["CUDA_VISIBLE_DEVICES"]
        for trial_id in range(4)
    }
    assert cuda == {0: "0", 1: "1", 2: "0", 3: "0"}


def test_two_gpus_per_trial(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, "echo.py", gpus=["0", "1", "2"], num_gpus_per_trial=2)
    for trial_id in range(2):
        backend.start_trial(Trial(trial_id=trial_id, config={}))
    updates = poll(backend, ended(0, 1))
    cuda = [results(updates, i)[0]["env"]["CUDA_VISIBLE_DEVICES"] for i in (0, 1)]
    assert cuda == ["0,1", "0,2"]


def test_delete_checkpoints(tmp_path: Path) -> None:
    keeping = make_backend(tmp_path / "keep", "train_epochs.py")
    deleting = make_backend(tmp_path / "delete", "train_epochs.py", delete_checkpoints=True)
    stopping = make_backend(tmp_path / "stop", "sleeper.py", delete_checkpoints=True)
    for backend in (keeping, deleting):
        backend.start_trial(Trial(trial_id=0, config={"epochs": 2}))
    stopping.start_trial(Trial(trial_id=0, config={}))
    for backend in (keeping, deleting):
        assert final_update(poll(backend, ended(0)), 0).status is TrialStatus.COMPLETED

    assert load_checkpoint(keeping.checkpoint_path(0)) == {"weights": [2, 2, 2], "epoch": 2}
    assert not deleting.checkpoint_path(0).exists()
    assert (deleting.trial_path(0) / "stdout.log").exists()
    stopping.stop_trial(0)
    assert not stopping.checkpoint_path(0).exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_DEATHSIG is Linux-only")
def test_trials_die_with_a_killed_tuner(tmp_path: Path) -> None:
    experiment = tmp_path / "experiment"
    tuner = subprocess.Popen(
        [sys.executable, str(SCRIPTS / "tuner_with_trial.py"), str(experiment)]
    )
    try:
        pids_file = experiment / "trials" / "0" / "pids.json"
        wait_for(pids_file)
        pids = json.loads(pids_file.read_text())
        assert is_alive(pids["trial"])
    finally:
        tuner.send_signal(signal.SIGKILL)
        tuner.wait()
    try:
        deadline = time.monotonic() + TIMEOUT
        while is_alive(pids["trial"]):
            assert time.monotonic() < deadline, "the trial outlived its tuner"
            time.sleep(0.01)
    finally:  # the death signal covers the trial process only, not its children
        os.kill(pids["grandchild"], signal.SIGKILL)


def test_malformed_lines_never_stop_fetching(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    script = tmp_path / "garbage.py"
    script.write_text(
        "print('[tunelab-metric]: [1, 2]')\n"
        "print('[tune-metric]: {broken')\n"
        "print('[tunelab-metric]: {\"ok\": NaN}')\n"
    )
    backend = make_backend(tmp_path, script)
    backend.start_trial(Trial(trial_id=0, config={}))
    with caplog.at_level(logging.WARNING):
        updates = poll(backend, ended(0))
    (result,) = results(updates, 0)
    assert result["ok"] != result["ok"]  # NaN
    assert final_update(updates, 0).status is TrialStatus.COMPLETED
    assert caplog.text.count("Skipping metric line") == 2
