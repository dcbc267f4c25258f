"""Tuning jobs that test_tuner_kill_resume.py SIGKILLs and runs again.

`python tuner_kill_runner.py local PATH CONTROL EPOCHS CHECKPOINT RESOURCE_ATTR`
tunes one trial of `trial_script()` with `LocalBackend`; the trial reads the folder
CONTROL to know when to wait (see `trial_script`).

`python tuner_kill_runner.py inline PATH` tunes six trials of six epochs with the
in-process `InlineBackend` (no log, no checkpoint: a restarted trial starts over),
with random search and no resource attribute.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tunelab.core import LocalBackend, StoppingCriterion, Tuner, TunerOptions
from tunelab.core.methods import random_search
from tunelab.core.space import uniform
from tunelab.core.testing import InlineBackend

TRIAL_SCRIPT = """
import argparse, os, time
from pathlib import Path
from tunelab.core.checkpoint import resume_epoch, save_checkpoint
from tunelab.core.reporter import report

parser = argparse.ArgumentParser()
for name in ("x", "epochs", "checkpoint"):
    parser.add_argument("--" + name, type=float)
args = parser.parse_args()
control = Path(os.environ["KILL_TEST_CONTROL"])
first = resume_epoch() + 1 if args.checkpoint else 1
for epoch in range(first, int(args.epochs) + 1):
    if epoch == 3 and (control / "hold").exists():
        while not (control / "go").exists():  # the test freezes the tuner meanwhile
            time.sleep(0.01)
    if args.checkpoint:
        save_checkpoint({}, epoch=epoch)
    report(epoch=epoch, loss=args.x / epoch)
    (control / f"printed-{epoch}").touch()
    if epoch == 3 and not args.checkpoint and (control / "hold").exists():
        time.sleep(600)  # killed with the tuner
(control / "finished").touch()
"""


def trial_script(folder: Path) -> Path:
    """Reports epochs 1..EPOCHS, checkpointing each first when CHECKPOINT is 1.

    While CONTROL/hold exists, it waits for CONTROL/go before epoch 3, and without
    checkpoints it hangs after epoch 3. It touches CONTROL/printed-<epoch> after
    each report and CONTROL/finished at the end.
    """
    path = folder / "kill_test_trial.py"
    path.write_text(TRIAL_SCRIPT)
    return path


def tune_local(path: Path, control: Path, epochs: int, checkpoint: int, attr: str) -> None:
    space = {"x": uniform(1.0, 2.0), "epochs": epochs, "checkpoint": checkpoint}
    backend = LocalBackend(
        trial_script(control), env={"KILL_TEST_CONTROL": str(control)}, stop_grace_period=1.0
    )
    Tuner(
        backend=backend,
        scheduler=random_search(
            space, metric="loss", seed=1, resource_attr=None if attr == "none" else attr
        ),
        stop_criterion=StoppingCriterion(max_num_trials_completed=1),
        path=path,
        options=TunerOptions(save_interval=0.1, progress_interval=None),
    ).run()


def slow_curve(config: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for epoch in range(1, 7):
        time.sleep(0.03)
        yield {"epoch": epoch, "loss": config["x"] / epoch}


def tune_inline(path: Path) -> None:
    Tuner(
        backend=InlineBackend(slow_curve),
        scheduler=random_search({"x": uniform(0.0, 1.0)}, metric="loss", seed=3),
        stop_criterion=StoppingCriterion(max_num_trials_completed=6),
        n_workers=2,
        path=path,
        options=TunerOptions(save_interval=0.05, progress_interval=None),
    ).run()


def main() -> None:
    kind, path = sys.argv[1], Path(sys.argv[2])
    if kind == "local":
        control, epochs, checkpoint, attr = sys.argv[3:7]
        tune_local(path, Path(control), int(epochs), int(checkpoint), attr)
    else:
        tune_inline(path)


if __name__ == "__main__":
    main()
