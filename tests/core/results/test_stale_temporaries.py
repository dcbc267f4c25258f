"""Temporary files of writes killed midway are deleted when the folder is next written."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tunelab.core import Decision, StoppingCriterion, Trial, Tuner, TunerCallback, TunerOptions
from tunelab.core._atomic import temporary_target
from tunelab.core.methods import random_search
from tunelab.core.results import ExperimentStore
from tunelab.core.space import uniform
from tunelab.core.testing import InlineBackend

KILLED_WRITE = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from tunelab.core._atomic import write_atomic

    def write(handle):
        handle.write(b"PAR1 half of a table")
        handle.flush()
        print("writing", flush=True)
        time.sleep(60)

    write_atomic(Path(sys.argv[1]), write)
    """
)


def kill_while_writing(path: Path) -> Path:
    """Start an atomic write of `path` in a process, SIGKILL it midway: its temporary file."""
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITE, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None and process.stdout.readline() == "writing\n"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    (left,) = [p for p in path.parent.iterdir() if temporary_target(p.name) == path.name]
    return left


def names(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_temporary_target_reads_the_naming_of_write_atomic() -> None:
    assert temporary_target(".results.parquet.k2x_9abc.tmp") == "results.parquet"
    assert temporary_target(".state-3.pkl.abcdefgh.tmp") == "state-3.pkl"
    for name in (".notes.tmp", "results.parquet.abc.tmp", ".results.parquet.abc", "..x.tmp"):
        assert temporary_target(name) is None


def test_the_first_write_removes_what_killed_writes_left_and_nothing_else(
    tmp_path: Path,
) -> None:
    store = ExperimentStore(tmp_path)
    store.add_row({"trial_id": 0, "loss": 1.0})
    store.save({"step": 1})
    store.write_metadata({"status": "running"})
    killed = kill_while_writing(tmp_path / "results.parquet")
    by_hand = [
        tmp_path / ".metadata.json.a1b2c3d4.tmp",
        tmp_path / "tuner_state" / ".state-2.pkl.zz_9yx8w.tmp",
    ]
    others = [
        tmp_path / ".notes.tmp",  # not of write_atomic's naming
        tmp_path / ".train.py.a1b2c3d4.tmp",  # not a file of the store
        tmp_path / "tuner_state" / ".notes.pkl.a1b2c3d4.tmp",
        tmp_path / "trials" / "0" / ".checkpoint.pkl.a1b2c3d4.tmp",  # a trial's own
    ]
    for path in [*by_hand, *others]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half written")
    before = names(tmp_path)

    resumed = ExperimentStore(tmp_path)
    state = resumed.load()
    assert state is not None and state["step"] == 1
    assert names(tmp_path) == before  # reading alone deletes nothing: a run may be writing
    resumed.write_metadata({"status": "running"})
    removed = {p.relative_to(tmp_path).as_posix() for p in [killed, *by_hand]}
    expected = sorted(set(before) - removed)
    assert names(tmp_path) == expected
    assert {"metadata.json", "results.parquet", "tuner_state/state-1.pkl"} <= set(expected)
    resumed.save({"step": 2})
    assert resumed.load() == {"step": 2, "generation": 2}


def test_a_state_write_killed_midway_is_cleaned_by_the_next_save(tmp_path: Path) -> None:
    store = ExperimentStore(tmp_path)
    store.save({"step": 1})
    killed = kill_while_writing(tmp_path / "tuner_state" / "state-2.pkl")
    resumed = ExperimentStore(tmp_path)
    resumed.load()
    resumed.save({"step": 2})
    assert not killed.exists()
    assert names(tmp_path / "tuner_state") == ["state-1.pkl", "state-2.pkl"]


def curve(config: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for epoch in range(1, 4):
        yield {"epoch": epoch, "loss": config["x"] + 1.0 / epoch}


class InterruptAfter(TunerCallback):
    def __init__(self, n_results: int) -> None:
        self.left = n_results

    def on_trial_result(self, trial: Trial, result: dict[str, Any], decision: Decision) -> None:
        self.left -= 1
        if self.left == 0:
            raise KeyboardInterrupt


def test_a_resumed_tuner_removes_the_temporary_file_of_a_killed_save(tmp_path: Path) -> None:
    def tuner(*callbacks: TunerCallback) -> Tuner:
        return Tuner(
            backend=InlineBackend(curve),
            scheduler=random_search({"x": uniform(0.0, 1.0)}, metric="loss", seed=0),
            stop_criterion=StoppingCriterion(max_num_trials_completed=4),
            n_workers=2,
            path=tmp_path / "exp",
            callbacks=list(callbacks),
            options=TunerOptions(sleep_time=0.0, progress_interval=None),
        )

    with pytest.raises(KeyboardInterrupt):
        tuner(InterruptAfter(4)).run()
    killed = kill_while_writing(tmp_path / "exp" / "results.parquet")
    tuner().run()
    assert not killed.exists()
    assert not [p for p in (tmp_path / "exp").rglob("*.tmp")]
