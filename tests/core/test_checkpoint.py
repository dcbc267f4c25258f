"""Checkpoint and configuration helpers for training scripts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tunelab.core.checkpoint import (
    CHECKPOINT_DIR_ENV,
    CONFIG_JSON_ENV,
    checkpoint_dir,
    load_checkpoint,
    load_config_json,
    resume_epoch,
    save_checkpoint,
)


@pytest.fixture(autouse=True)
def _no_tunelab_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CHECKPOINT_DIR_ENV, raising=False)
    monkeypatch.delenv(CONFIG_JSON_ENV, raising=False)


def test_round_trip_with_an_explicit_folder(tmp_path: Path) -> None:
    folder = tmp_path / "new" / "folder"
    assert resume_epoch(folder) == 0
    assert load_checkpoint(folder) is None
    path = save_checkpoint({"weights": [1.0, 2.0], "step": 7}, epoch=3, checkpoint_dir=folder)
    assert path == folder / "checkpoint.pkl"
    assert load_checkpoint(folder) == {"weights": [1.0, 2.0], "step": 7, "epoch": 3}
    save_checkpoint({"weights": [3.0]}, epoch=4, checkpoint_dir=folder)
    assert resume_epoch(folder) == 4
    assert sorted(p.name for p in folder.iterdir()) == ["checkpoint.pkl"]  # no temp files


def test_folder_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert checkpoint_dir() is None
    monkeypatch.setenv(CHECKPOINT_DIR_ENV, str(tmp_path))
    assert checkpoint_dir() == tmp_path
    save_checkpoint({"a": 1}, epoch=2, filename="model.pkl")
    assert (tmp_path / "model.pkl").is_file()
    assert resume_epoch(filename="model.pkl") == 2
    assert load_checkpoint(filename="model.pkl") == {"a": 1, "epoch": 2}


def test_without_a_folder_saving_does_nothing() -> None:
    assert save_checkpoint({"a": 1}, epoch=1) is None
    assert load_checkpoint() is None
    assert resume_epoch() == 0


def test_a_failed_save_keeps_the_previous_checkpoint(tmp_path: Path) -> None:
    save_checkpoint({"a": 1}, epoch=1, checkpoint_dir=tmp_path)
    with pytest.raises(Exception, match="pickle"):
        save_checkpoint({"fn": lambda: None}, epoch=2, checkpoint_dir=tmp_path)
    assert load_checkpoint(tmp_path) == {"a": 1, "epoch": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.pkl"]


@pytest.mark.parametrize("epoch", [-1, 1.5, True, "3"])
def test_epoch_must_be_a_non_negative_int(tmp_path: Path, epoch: object) -> None:
    with pytest.raises(ValueError, match=r"epoch=.*expected an int >= 0"):
        save_checkpoint({}, epoch=epoch, checkpoint_dir=tmp_path)  # type: ignore[arg-type]


def test_state_must_be_a_dict_without_a_conflicting_epoch(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="state is a list"):
        save_checkpoint([1], epoch=1, checkpoint_dir=tmp_path)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"state\['epoch'\]=2 differs from epoch=3"):
        save_checkpoint({"epoch": 2}, epoch=3, checkpoint_dir=tmp_path)
    save_checkpoint({"epoch": 3}, epoch=3, checkpoint_dir=tmp_path)
    assert resume_epoch(tmp_path) == 3


def test_foreign_pickle_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "checkpoint.pkl").write_bytes(b"\x80\x04K\x05.")  # pickled int 5
    with pytest.raises(ValueError, match="no checkpoint written by save_checkpoint"):
        load_checkpoint(tmp_path)


def test_load_config_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = {"layers": [8, 4], "lr": 0.1, "name": "x"}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    assert load_config_json(["--other", "1", "--tunelab_config_json", str(path)]) == config
    assert load_config_json([f"--tunelab_config_json={path}"]) == config
    with pytest.raises(RuntimeError, match="TUNELAB_CONFIG_JSON"):
        load_config_json([])
    monkeypatch.setenv(CONFIG_JSON_ENV, str(path))
    assert load_config_json([]) == config
    path.write_text("[1, 2]")
    with pytest.raises(ValueError, match="holds a list; expected a JSON object"):
        load_config_json([])
