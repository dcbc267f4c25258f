from __future__ import annotations

import pickle
from pathlib import Path

import pandas as pd
import pytest

from tunelab.core.results import ExperimentStore, load_experiment
from tunelab.core.results.io import read_parquet_metadata, write_json_atomic


def test_save_load_round_trip_by_generation(tmp_path: Path) -> None:
    store = ExperimentStore(tmp_path)
    store.add_row({"trial_id": 0, "loss": 1.0})
    store.save({"step": 1})
    store.add_row({"trial_id": 1, "loss": 0.5, "config_c": "a"})
    store.save({"step": 2})
    assert read_parquet_metadata(tmp_path / "results.parquet")["tunelab_generation"] == "2"
    reloaded = ExperimentStore(tmp_path)
    state = reloaded.load()
    assert state is not None and state["step"] == 2 and state["generation"] == 2
    assert list(reloaded.results()["loss"]) == [1.0, 0.5]


def test_old_generations_are_pruned_but_previous_kept(tmp_path: Path) -> None:
    store = ExperimentStore(tmp_path)
    for step in range(5):
        store.save({"step": step})
    names = sorted(p.name for p in (tmp_path / "tuner_state").iterdir())
    assert names == ["state-4.pkl", "state-5.pkl"]


def test_state_newer_than_results_is_ignored(tmp_path: Path) -> None:
    """A kill between the state write and the results write loses nothing consistent."""
    store = ExperimentStore(tmp_path)
    store.add_row({"trial_id": 0})
    store.save({"step": 1})
    (tmp_path / "tuner_state" / "state-2.pkl").write_bytes(pickle.dumps({"step": 2}))
    state = ExperimentStore(tmp_path).load()
    assert state is not None and state["step"] == 1


def test_missing_state_of_the_results_generation_is_a_clear_error(tmp_path: Path) -> None:
    store = ExperimentStore(tmp_path)
    store.save({})
    (tmp_path / "tuner_state" / "state-1.pkl").unlink()
    with pytest.raises(FileNotFoundError, match="generation 1"):
        ExperimentStore(tmp_path).load()


def test_mixed_type_columns_are_written_as_strings(tmp_path: Path) -> None:
    store = ExperimentStore(tmp_path)
    store.add_row({"trial_id": 0, "config_c": 1})
    store.add_row({"trial_id": 1, "config_c": "relu"})
    store.save({})
    assert list(pd.read_parquet(tmp_path / "results.parquet")["config_c"]) == ["1", "relu"]


def test_atomic_write_leaves_no_temporary_files(tmp_path: Path) -> None:
    write_json_atomic(tmp_path / "m.json", {"a": 1})
    with pytest.raises(TypeError, match="not JSON serialisable"):
        write_json_atomic(tmp_path / "m.json", {"a": object()})
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]
    assert (tmp_path / "m.json").read_text().strip().startswith("{")


def test_load_experiment_needs_metadata(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"metadata\.json is missing"):
        load_experiment(tmp_path)


def test_written_files_get_the_usual_permissions(tmp_path: Path) -> None:
    import os

    write_json_atomic(tmp_path / "m.json", {"a": 1})
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "m.json").stat().st_mode & 0o777 == 0o666 & ~mask
