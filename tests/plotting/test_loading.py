from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tunelab.plotting.loading import find_experiments, load_study, results_frames

from .conftest import synthetic_results, write_experiment


def test_every_experiment_is_read(study_dir: Path) -> None:
    study = load_study(str(study_dir), progress=False)
    assert len(study.runs) == 2 * 3 * 4
    assert set(study.runs["method"]) == {"random_search", "asha", "bohb"}
    assert set(study.results) == set(study.runs["experiment"])
    row = study.runs.iloc[0]
    assert row["metric"] == "val_error" and row["mode"] == "min"
    assert row["budget.max_wallclock_time"] == 100.0
    results = study.results[row["experiment"]]
    assert {"trial_id", "tuner_time", "val_error", "epoch"} <= set(results.columns)


def test_filters_compare_metadata_as_text(study_dir: Path) -> None:
    study = load_study(str(study_dir), where={"method": ["asha"], "seed": ["0", "1"]})
    assert set(study.runs["method"]) == {"asha"}
    assert sorted(set(study.runs["seed"])) == [0, 1]
    nested = load_study(str(study_dir), where={"budget.max_wallclock_time": ["100"]})
    assert len(nested.runs) == 24
    with pytest.raises(KeyError, match="no metadata field 'colour'"):
        load_study(str(study_dir), where={"colour": ["red"]})


def test_time_window(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    for seed, day in ((0, "2026-01-01"), (1, "2026-06-01")):
        write_experiment(
            tmp_path,
            benchmark="b",
            method="m",
            seed=seed,
            results=synthetic_results(rng, offset=0.0),
            start_time=f"{day}T10:00:00+00:00",
        )
    assert list(load_study(str(tmp_path), since="2026-03-01").runs["seed"]) == [1]
    assert list(load_study(str(tmp_path), until="2026-03-01").runs["seed"]) == [0]
    with pytest.raises(ValueError, match="'yesterday' is not an ISO 8601"):
        load_study(str(tmp_path), since="yesterday")


def test_incomplete_experiments_are_left_out_but_kept_for_reports(study_dir: Path) -> None:
    path = study_dir / "bench-a" / "asha" / "2" / "metadata.json"
    meta = json.loads(path.read_text())
    path.write_text(json.dumps({**meta, "status": "failed"}))
    study = load_study(str(study_dir))
    assert len(study.runs) == 23
    assert list(study.incomplete["experiment"]) == ["bench-a/asha/2"]
    assert len(load_study(str(study_dir), include_incomplete=True).runs) == 24


def test_missing_results_file_gives_an_empty_frame(study_dir: Path) -> None:
    (study_dir / "bench-a" / "asha" / "0" / "results.parquet").unlink()
    study = load_study(str(study_dir))
    assert study.results["bench-a/asha/0"].empty


def test_tuner_state_folders_are_not_experiments(study_dir: Path) -> None:
    state = study_dir / "bench-a" / "asha" / "0" / "tuner_state"
    state.mkdir()
    (state / "metadata.json").write_text("{}")
    assert len(find_experiments(str(study_dir))) == 24


def test_bad_roots_are_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_study(str(tmp_path / "nope"))
    with pytest.raises(FileNotFoundError, match="no experiment under"):
        load_study(str(tmp_path))
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError, match="is a file"):
        load_study(str(tmp_path / "file"))


def test_tables_converted_together_equal_each_converted_alone() -> None:
    frame = pd.DataFrame({"trial_id": [0, 1, 1], "x": [0.5, np.nan, 2.0], "s": ["a", None, "c"]})
    tables = [
        pa.Table.from_pandas(frame),  # pandas metadata with a default index
        pa.Table.from_pandas(frame.iloc[:2], preserve_index=False),
        pa.Table.from_pandas(frame.set_index("trial_id")),  # a stored index
        pa.Table.from_pandas(frame.astype({"s": "category"})),  # dictionary column
        pa.Table.from_pandas(frame.iloc[1:]),  # a default index starting at 1: stored
        None,  # no results file
        pa.table({"trial_id": [3], "x": [1.0], "s": ["z"]}),  # no pandas metadata
        pa.Table.from_pandas(frame.assign(x=frame["x"].fillna(0).astype(int))),
        pa.Table.from_pandas(frame.iloc[::-1].reset_index(drop=True)),
    ]
    frames = results_frames(tables)
    assert len(frames) == len(tables)
    for frame_, table in zip(frames, tables, strict=True):
        alone = pd.DataFrame() if table is None else table.to_pandas(use_threads=False)
        pd.testing.assert_frame_equal(frame_, alone, check_exact=True)
        assert type(frame_.index) is type(alone.index)


def test_frames_converted_together_are_independent_of_each_other() -> None:
    frame = pd.DataFrame({"trial_id": [0, 1], "x": [0.5, 2.0]})
    first, second = results_frames([pa.Table.from_pandas(frame)] * 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pandas 2 warns on setting a column of a slice
        first["y"] = 1.0
        first.loc[0, "x"] = 9.0
    pd.testing.assert_frame_equal(second, frame, check_exact=True)


def test_a_study_reads_as_each_results_file_converted_alone(study_dir: Path) -> None:
    study = load_study(str(study_dir))
    for experiment, results in study.results.items():
        path = study_dir / experiment / "results.parquet"
        pd.testing.assert_frame_equal(results, pq.read_table(path).to_pandas(), check_exact=True)
