"""Extending a complete experiment whose trials are real processes (issue 14, item 15):
a trial the first budget stopped continues from its checkpoint, and every epoch it
printed is recorded exactly once."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tunelab.core import LocalBackend, StoppingCriterion, Tuner, TunerOptions, load_experiment
from tunelab.core.methods import random_search
from tunelab.core.space import uniform

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="runs trial processes")

SCRIPT = """
import argparse, os, time
from pathlib import Path
from tunelab.core.checkpoint import resume_epoch, save_checkpoint
from tunelab.core.reporter import report

parser = argparse.ArgumentParser()
parser.add_argument("--x", type=float)
parser.add_argument("--epochs", type=int)
args = parser.parse_args()
first = resume_epoch() + 1
with open(os.environ["EXTEND_TEST_STARTS"], "a") as starts:
    starts.write(f"{first}\\n")
for epoch in range(first, args.epochs + 1):
    time.sleep(0.05)
    save_checkpoint({}, epoch=epoch)
    report(epoch=epoch, loss=args.x / epoch)
"""


def make_tuner(tmp_path: Path, stop: StoppingCriterion, *, extend: bool = False) -> Tuner:
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    backend = LocalBackend(
        script, env={"EXTEND_TEST_STARTS": str(tmp_path / "starts.txt")}, stop_grace_period=1.0
    )
    return Tuner(
        backend=backend,
        scheduler=random_search(
            {"x": uniform(1.0, 2.0), "epochs": 12}, metric="loss", seed=1, resource_attr="epoch"
        ),
        stop_criterion=stop,
        path=tmp_path / "exp",
        options=TunerOptions(sleep_time=0.01, progress_interval=None),
        extend=extend,
    )


def test_a_stopped_trial_continues_from_its_checkpoint_when_extended(tmp_path: Path) -> None:
    make_tuner(tmp_path, StoppingCriterion(max_num_results=4)).run()
    first = load_experiment(tmp_path / "exp")
    assert first.metadata["status"] == "complete"
    assert first.results["trial_id"].unique().tolist() == [0]
    assert 4 <= len(first.results) < 12  # cut short by the budget

    make_tuner(tmp_path, StoppingCriterion(max_num_trials_completed=1), extend=True).run()
    extended = load_experiment(tmp_path / "exp")
    trial0 = extended.results[extended.results["trial_id"] == 0]
    assert trial0["epoch"].tolist() == list(range(1, 13))  # each epoch once, none lost
    assert extended.results["trial_id"].unique().tolist() == [0]
    starts = [int(line) for line in (tmp_path / "starts.txt").read_text().split()]
    assert starts[0] == 1 and len(starts) == 2
    assert starts[1] > 4  # resumed from its checkpoint, not from scratch
    [extension] = extended.metadata["extended"]
    assert extension["budget_before"] == {"max_num_results": 4}
    assert extension["budget"] == {"max_num_trials_completed": 1}
