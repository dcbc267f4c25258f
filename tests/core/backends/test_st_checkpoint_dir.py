"""Syne Tune scripts get their checkpoint folder as `--st_checkpoint_dir` (LocalBackend).

The script below is written the Syne Tune way: argparse with `--st_checkpoint_dir`,
its own checkpoint file, `[tune-metric]:` lines. It knows nothing of tunelab (it
never reads `TUNELAB_CHECKPOINT_DIR`), so a trial that continues after a pause, or
a PBT clone that starts from its source's state, shows that the option arrived.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tunelab.core import LocalBackend, StoppingCriterion, Tuner, TunerOptions, load_experiment
from tunelab.core.checkpoint import detect_checkpoint_arg
from tunelab.core.methods import asha_prom, pbt
from tunelab.core.space import uniform
from tunelab.core.trial import Trial

SYNE_TUNE_SCRIPT = """
import argparse
import json
import os
import time
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, required=True)
parser.add_argument("--epochs", type=int, required=True)
parser.add_argument("--st_checkpoint_dir", type=str, default=None)
args = parser.parse_args()  # strict: an unexpected option fails the trial

checkpoint = Path(args.st_checkpoint_dir) / "state.json" if args.st_checkpoint_dir else None
state = {"epoch": 0, "writer": -1}
if checkpoint is not None and checkpoint.exists():
    state = json.loads(checkpoint.read_text())
# The trial folder of the run that wrote the state: its name is that trial's id.
loaded_from, start = state["writer"], state["epoch"] + 1
me = int(Path(args.st_checkpoint_dir).parent.name) if checkpoint is not None else -1
for epoch in range(start, args.epochs + 1):
    time.sleep(0.1)  # one epoch of training
    if checkpoint is not None:
        checkpoint.parent.mkdir(parents=True, exist_ok=True)
        temporary = checkpoint.with_name(".state.json.tmp")
        temporary.write_text(json.dumps({"epoch": epoch, "writer": me}))
        os.replace(temporary, checkpoint)
    loss = abs(args.lr - 0.5)
    result = {"epoch": epoch, "loss": loss, "start": start, "loaded_from": loaded_from}
    print("[tune-metric]: " + json.dumps(result), flush=True)
"""

ARGV_SCRIPT = """
import json, sys
# reads --st_checkpoint_dir like a Syne Tune script (found by the automatic detection)
print("[tune-metric]: " + json.dumps({"argv": sys.argv[1:]}), flush=True)
"""


def write_script(folder: Path, source: str, name: str = "train.py") -> Path:
    path = folder / name
    path.write_text(source, encoding="utf-8")
    return path


def argv_of_first_trial(backend: LocalBackend, tmp_path: Path, config: dict[str, Any]) -> Any:
    backend.set_path(tmp_path / "experiment")
    backend.start_trial(Trial(trial_id=0, config=config))
    deadline = time.monotonic() + 10
    while True:
        for update in backend.fetch_new_results():
            if update.results:
                return update.results[0]["argv"]
        assert time.monotonic() < deadline, "the script reported nothing"
        time.sleep(0.01)


@pytest.mark.parametrize("pass_config_as", ["args", "json"])
def test_a_script_mentioning_st_checkpoint_dir_gets_the_option(
    tmp_path: Path, pass_config_as: Any
) -> None:
    script = write_script(tmp_path, ARGV_SCRIPT)
    backend = LocalBackend(script, gpus=[], pass_config_as=pass_config_as)
    argv = argv_of_first_trial(backend, tmp_path, {"lr": 0.1})
    assert argv[:2] == ["--st_checkpoint_dir", str(backend.checkpoint_path(0))]
    assert argv[2:] == (
        ["--lr", "0.1"]
        if pass_config_as == "args"
        else ["--tunelab_config_json", str(backend.trial_path(0) / "config.json")]
    )


def test_other_scripts_get_no_option(tmp_path: Path) -> None:
    script = write_script(tmp_path, ARGV_SCRIPT.replace("--st_checkpoint_dir", "nothing"))
    assert detect_checkpoint_arg(script) is None
    argv = argv_of_first_trial(LocalBackend(script, gpus=[]), tmp_path, {"lr": 0.1})
    assert argv == ["--lr", "0.1"]


def test_an_explicit_option_or_none(tmp_path: Path) -> None:
    script = write_script(tmp_path, ARGV_SCRIPT)
    named = LocalBackend(script, gpus=[], checkpoint_arg="--checkpoint-dir")
    argv = argv_of_first_trial(named, tmp_path / "named", {})
    assert argv == ["--checkpoint-dir", str(named.checkpoint_path(0))]
    unnamed = LocalBackend(script, gpus=[], checkpoint_arg=None)
    assert argv_of_first_trial(unnamed, tmp_path / "none", {}) == []


@pytest.mark.parametrize("value", ["", "st_checkpoint_dir", "--two words", "--a=b"])
def test_an_invalid_option_is_refused(tmp_path: Path, value: str) -> None:
    script = write_script(tmp_path, ARGV_SCRIPT)
    with pytest.raises(ValueError, match="checkpoint_arg"):
        LocalBackend(script, gpus=[], checkpoint_arg=value)


def test_syne_tune_helpers_are_detected(tmp_path: Path) -> None:
    for source in (
        "from syne_tune.constants import ST_CHECKPOINT_DIR\n",
        "from syne_tune.utils import add_checkpointing_to_argparse\n",
    ):
        assert detect_checkpoint_arg(write_script(tmp_path, source)) == "--st_checkpoint_dir"


def test_paused_trials_resume_from_their_syne_tune_checkpoint(tmp_path: Path) -> None:
    """ASHA (promotion type) pauses every trial at epoch 1 and resumes the best."""
    script = write_script(tmp_path, SYNE_TUNE_SCRIPT)
    tuner = Tuner(
        backend=LocalBackend(script, gpus=[]),
        scheduler=asha_prom(
            {"lr": uniform(0.0, 1.0), "epochs": 3},
            metric="loss",
            resource_attr="epoch",
            max_resource_attr="epochs",
            grace_period=1,
            reduction_factor=3,
            seed=0,
        ),
        stop_criterion=StoppingCriterion(max_num_trials_completed=1, max_wallclock_time=60),
        n_workers=2,
        path=tmp_path / "asha",
        options=TunerOptions(progress_interval=None, sleep_time=0.02),
    )
    tuner.run()
    assert tuner.status.num_trials_completed == 1
    results = load_experiment(tuner.path).results
    resumed = results[results["start"] > 1]
    assert not resumed.empty, "no trial was resumed"
    for trial_id, rows in resumed.groupby("trial_id"):
        epochs = list(results[results["trial_id"] == trial_id]["epoch"])
        before = results[(results["trial_id"] == trial_id) & (results["start"] == 1)]
        # it went on right after its last checkpointed epoch, never from scratch
        assert rows["start"].min() == before["epoch"].max() + 1
        assert epochs == list(range(1, max(epochs) + 1))
        assert (rows["loaded_from"] == trial_id).all()
        folder = tuner.backend.checkpoint_path(int(trial_id))
        state = json.loads((folder / "state.json").read_text())
        assert state["writer"] == trial_id
        assert state["epoch"] - max(epochs) in (0, 1)  # saved, maybe killed before printing


def test_pbt_clones_start_from_their_source_syne_tune_checkpoint(tmp_path: Path) -> None:
    script = write_script(tmp_path, SYNE_TUNE_SCRIPT)
    tuner = Tuner(
        backend=LocalBackend(script, gpus=[]),
        scheduler=pbt(
            {"lr": uniform(0.0, 1.0), "epochs": 6},
            metric="loss",
            resource_attr="epoch",
            max_resource_attr="epochs",
            population_size=3,
            perturbation_interval=2,
            quantile_fraction=0.34,
            seed=1,
        ),
        stop_criterion=StoppingCriterion(max_num_trials_started=5, max_wallclock_time=60),
        n_workers=3,
        path=tmp_path / "pbt",
        options=TunerOptions(progress_interval=None, sleep_time=0.02),
    )
    tuner.run()
    firsts = load_experiment(tuner.path).results.sort_values("epoch").groupby("trial_id").first()
    clones = {
        t: trial.checkpoint_from
        for t, trial in tuner.trials.items()
        if trial.checkpoint_from is not None
    }
    assert clones, "PBT never exploited"
    for trial_id, source in clones.items():
        if trial_id not in firsts.index:
            continue  # stopped by the end of the run before its first epoch
        # A clone of a clone may still hold the state its source copied.
        lineage = [source]
        while (parent := tuner.trials[lineage[-1]].checkpoint_from) is not None:
            lineage.append(parent)
        assert firsts.loc[trial_id, "loaded_from"] in lineage
        assert firsts.loc[trial_id, "start"] >= 3  # sources were ranked at epoch 2
    originals = [t for t in tuner.trials if t not in clones]
    assert all(firsts.loc[t, "start"] == 1 for t in originals)
