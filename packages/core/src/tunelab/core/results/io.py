"""Atomic file writes: a reader (or a resumed run) never sees a half-written file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tunelab.core._atomic import write_atomic


def write_json_atomic(path: Path, data: Any) -> None:
    """Write `data` as indented JSON, atomically."""
    payload = json.dumps(data, indent=2, sort_keys=False, default=_json_default).encode()
    write_atomic(path, lambda handle: handle.write(payload))


def write_parquet_atomic(
    path: Path,
    frame: pd.DataFrame,
    extra_metadata: dict[str, str] | None = None,
    **options: Any,
) -> None:
    """Write `frame` as Parquet, atomically, with string key/values in its metadata.

    `options` go to `pyarrow.parquet.write_table` (compression, encodings).
    """
    table = pa.Table.from_pandas(_arrow_safe(frame), preserve_index=False)
    if extra_metadata:
        merged = dict(table.schema.metadata or {})
        merged.update({key.encode(): value.encode() for key, value in extra_metadata.items()})
        table = table.replace_schema_metadata(merged)
    # pyarrow writes faster into its own buffer than through a Python file object
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, **options)
    payload = sink.getvalue()
    write_atomic(path, lambda handle: handle.write(payload))


def read_parquet_metadata(path: Path) -> dict[str, str]:
    """The string key/values stored with `write_parquet_atomic`."""
    raw = pq.read_schema(path).metadata or {}
    return {key.decode(): value.decode() for key, value in raw.items() if key != b"pandas"}


def _arrow_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Turn object columns that mix types (e.g. a choice of 1 and "a") into strings."""
    fixed = {}
    for column in frame.columns:
        series = frame[column]
        if series.dtype != object:
            continue
        kinds = {type(value) for value in series if value is not None and value == value}
        if len(kinds) > 1 and not kinds <= {int, float}:
            fixed[column] = series.map(lambda v: None if v is None else str(v))
    return frame.assign(**fixed) if fixed else frame


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if hasattr(value, "tolist"):  # numpy arrays
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"value {value!r} of type {type(value).__name__} is not JSON serialisable")
