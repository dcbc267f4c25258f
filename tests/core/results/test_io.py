"""Atomic Parquet writes: the bytes pyarrow writes, and typed trials tables."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tunelab.core.results.experiment import TRIAL_COLUMNS, trials_table
from tunelab.core.results.io import read_parquet_metadata, write_parquet_atomic

FRAME = pd.DataFrame(
    {"trial_id": [0, 1, 2], "loss": [0.5, math.nan, 0.25], "note": ["a", None, "c"]}
)


@pytest.mark.parametrize("options", [{}, {"compression": "zstd"}])
def test_the_file_holds_the_bytes_pyarrow_writes(tmp_path: Path, options: dict[str, str]) -> None:
    write_parquet_atomic(tmp_path / "ours.parquet", FRAME, {"generation": "7"}, **options)
    table = pa.Table.from_pandas(FRAME, preserve_index=False)
    metadata = {**(table.schema.metadata or {}), b"generation": b"7"}
    pq.write_table(table.replace_schema_metadata(metadata), tmp_path / "direct.parquet", **options)
    assert (tmp_path / "ours.parquet").read_bytes() == (tmp_path / "direct.parquet").read_bytes()
    assert read_parquet_metadata(tmp_path / "ours.parquet") == {"generation": "7"}
    assert not list(tmp_path.glob(".*.tmp"))


def test_trials_table_types_its_columns_whatever_the_rows_hold() -> None:
    typed = trials_table(
        [
            {
                "trial_id": 0,
                "status": "completed",
                "start_tuner_time": 0.0,
                "end_tuner_time": 1.5,
                "num_results": 3,
                "error": None,
                "config_x": 0.5,
            }
        ]
    )
    untyped = trials_table(
        [
            {
                "trial_id": 0.0,
                "status": "stopped",
                "start_tuner_time": 0,
                "end_tuner_time": 2,
                "num_results": np.float32(3),
                "error": "boom",
                "config_x": 0.5,
            }
        ]
    )
    empty = trials_table([])
    for table in (typed, untyped, empty):
        assert table["trial_id"].dtype == "int64"
        assert table["num_results"].dtype == "int64"
        assert table["start_tuner_time"].dtype == "float64"
        assert table["end_tuner_time"].dtype == "float64"
    assert list(empty.columns) == list(TRIAL_COLUMNS)
    assert untyped["end_tuner_time"].tolist() == [2.0]
