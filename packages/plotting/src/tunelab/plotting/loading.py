"""Reading a study: every experiment folder under a local path or an `s3://` prefix.

Only the results format is read (ARCHITECTURE.md §6): `metadata.json` and
`results.parquet` of each experiment. Files are read in parallel threads (pyarrow
releases the GIL), and S3 goes through `pyarrow.fs`, so no AWS SDK is needed. An
experiment whose `metadata.json` is not a JSON object (truncated, say) is skipped
with a warning that names the file; the others are read.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import pandas as pd
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from tqdm import tqdm

METADATA_FILE = "metadata.json"
RESULTS_FILE = "results.parquet"
_STATE_DIR = "tuner_state"

T = TypeVar("T")
R = TypeVar("R")

logger = logging.getLogger(__name__)


@dataclass
class Study:
    """The experiments of a study, as read from disk or S3.

    Attributes:
        runs: One row per experiment: `experiment` (its folder relative to the root),
            `benchmark`, `method`, `seed`, `metric`/`mode` (the first objective),
            `status`, `start_time`, and every other metadata field flattened with dots
            (`budget.max_wallclock_time`, `hydra_config.benchmark.time_scale`, ...).
        metadata: `experiment -> metadata.json` as read.
        results: `experiment -> results.parquet` as a DataFrame (empty when the
            experiment reported nothing yet).
        root: The folder or prefix the study was read from.
        incomplete: Runs left out because their status is not `complete` (same
            columns as `runs`), so that reports can name them.
        grouped_by: Metadata fields that `group_methods` wrote into the method labels;
            methods may differ in them (`run_settings.check_settings`).
        unreadable: `experiment -> why its metadata.json could not be read`: the
            experiments left out because of it.
    """

    runs: pd.DataFrame
    metadata: dict[str, dict[str, Any]] = field(repr=False)
    results: dict[str, pd.DataFrame] = field(repr=False)
    root: str = ""
    incomplete: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    grouped_by: tuple[str, ...] = ()
    unreadable: dict[str, str] = field(default_factory=dict, repr=False)

    def with_runs(self, runs: pd.DataFrame) -> Study:
        """The same study with another runs table (e.g. relabelled methods)."""
        return replace(self, runs=runs)

    def select(self, mask: pd.Series | Sequence[bool]) -> Study:
        """The study restricted to the runs where `mask` holds."""
        runs = self.runs[list(mask)].reset_index(drop=True)
        keep = set(runs["experiment"])
        return replace(
            self,
            runs=runs,
            metadata={k: v for k, v in self.metadata.items() if k in keep},
            results={k: v for k, v in self.results.items() if k in keep},
        )


def filesystem(root: str) -> tuple[pafs.FileSystem, str]:
    """The pyarrow filesystem and base path of a local folder or a URI (`s3://...`).

    For S3, credentials and region come from the usual AWS environment variables and
    files; `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL` point it at another endpoint.
    """
    if "://" in root:
        fs, path = pafs.FileSystem.from_uri(root)
        return fs, path.rstrip("/")
    return pafs.LocalFileSystem(), str(root).rstrip("/") or "/"


def find_experiments(root: str) -> list[str]:
    """Folders (relative to `root`, sorted) that hold a `metadata.json`."""
    fs, base = filesystem(root)
    info = fs.get_file_info(base)
    if info.type == pafs.FileType.NotFound:
        raise FileNotFoundError(f"results folder {root!r} does not exist")
    if info.type == pafs.FileType.File:
        raise NotADirectoryError(f"{root!r} is a file; expected a results folder or prefix")
    found = []
    for entry in fs.get_file_info(pafs.FileSelector(base, recursive=True)):
        if entry.base_name != METADATA_FILE or f"/{_STATE_DIR}/" in entry.path:
            continue
        folder = entry.path[: -len(METADATA_FILE)].rstrip("/")
        found.append(folder[len(base) :].lstrip("/"))
    return sorted(found)


def load_study(
    root: str | os.PathLike[str],
    *,
    where: Mapping[str, Sequence[str]] | None = None,
    since: str | None = None,
    until: str | None = None,
    include_incomplete: bool = False,
    jobs: int = 8,
    progress: bool | None = None,
) -> Study:
    """Read every experiment under `root` (a folder or an `s3://` prefix).

    Args:
        where: Keep experiments whose metadata field (dotted for nested ones, e.g.
            `budget.max_wallclock_time`) equals one of the given values, compared as
            text: `{"method": ["asha", "bohb"], "n_workers": ["4"]}`.
        since: Keep experiments that started at or after this ISO 8601 date or time
            (UTC when no zone is given).
        until: Keep experiments that started at or before this date or time.
        include_incomplete: Also keep experiments whose status is not `complete`
            (running, interrupted, failed); by default they are left out, and
            `seed_report` lists them.
        jobs: Threads reading files in parallel.
        progress: Show a progress bar (default: when stderr is a terminal).
    """
    root = os.fspath(root)
    fs, base = filesystem(root)
    folders = find_experiments(root)
    if not folders:
        raise FileNotFoundError(
            f"no experiment under {root!r}: expected folders holding {METADATA_FILE} "
            "(as tunelab-run and Tuner write them)"
        )
    show = sys.stderr.isatty() if progress is None else progress

    def read_metadata(folder: str) -> dict[str, Any] | str:
        with fs.open_input_stream(_join(base, folder, METADATA_FILE)) as stream:
            return _parse_metadata(stream.read(), _join(root.rstrip("/"), folder, METADATA_FILE))

    metadata, unreadable = {}, {}
    for folder, read in zip(
        folders, _parallel(read_metadata, folders, jobs, show, "metadata"), strict=True
    ):
        if isinstance(read, str):
            logger.warning("skipping experiment %s: %s", folder or ".", read)
            unreadable[folder] = read
        else:
            metadata[folder] = read
    if not metadata:
        raise ValueError(
            f"no readable experiment under {root!r}: every {METADATA_FILE} there is "
            f"corrupt, e.g. {next(iter(unreadable.values()))}"
        )
    runs = runs_frame(metadata)
    runs = _filter(runs, where=where, since=since, until=until)
    incomplete = runs.iloc[:0]
    if not include_incomplete:
        done = runs["status"] == "complete"
        incomplete = runs[~done].reset_index(drop=True)
        runs = runs[done].reset_index(drop=True)
    selected = list(runs["experiment"])

    def read_results(folder: str) -> pa.Table | None:
        path = _join(base, folder, RESULTS_FILE)
        if fs.get_file_info(path).type == pafs.FileType.NotFound:
            return None
        # one file, no dataset discovery; the threads of `_parallel` read files side by side
        return pq.ParquetFile(path, filesystem=fs).read(use_threads=False)

    tables = _parallel(read_results, selected, jobs, show, "results")
    results = dict(zip(selected, results_frames(tables), strict=True))
    return Study(
        runs=runs,
        metadata={k: metadata[k] for k in selected},
        results=results,
        root=root,
        incomplete=incomplete,
        unreadable=unreadable,
    )


def results_frames(tables: Sequence[pa.Table | None]) -> list[pd.DataFrame]:
    """Each results table as the DataFrame its own `to_pandas` gives (None: empty).

    Converting thousands of small tables one by one costs most of the time of reading a
    study, so tables with one schema (and the same pandas metadata, apart from the
    length of a default index) are concatenated, converted at once and cut back into
    one frame per table. Tables that would convert differently together (dictionary
    columns, whose categories would merge, or a stored index) are converted alone.
    """
    frames: list[pd.DataFrame | None] = [None] * len(tables)
    groups: dict[tuple[bytes, str], list[int]] = {}
    for i, table in enumerate(tables):
        key = _batch_key(table) if table is not None else None
        if key is None:
            frames[i] = pd.DataFrame() if table is None else table.to_pandas(use_threads=False)
        else:
            groups.setdefault(key, []).append(i)
    for members in groups.values():
        parts = [table for i in members if (table := tables[i]) is not None]
        schema = _without_index(parts[0].schema)
        whole = pa.concat_tables([t.replace_schema_metadata(schema.metadata) for t in parts])
        converted = whole.to_pandas(use_threads=False)
        start = 0
        for i, part in zip(members, parts, strict=True):
            # a shallow copy: under pandas 2 a plain slice warns (SettingWithCopyWarning)
            # when a user adds a column to it
            frame = converted.iloc[start : start + part.num_rows].copy(deep=False)
            frame.index = pd.RangeIndex(part.num_rows)
            frames[i] = frame
            start += part.num_rows
    return [f if f is not None else pd.DataFrame() for f in frames]


def _batch_key(table: pa.Table) -> tuple[bytes, str] | None:
    """What tables must share to be converted together, or None to convert `table` alone:
    its schema (without metadata) and its pandas metadata without a default index."""
    schema = table.schema
    if any(pa.types.is_dictionary(f.type) for f in schema):
        return None
    metadata = dict(schema.metadata or {})
    raw = metadata.pop(b"pandas", None)
    pandas_metadata: dict[str, Any] = json.loads(raw) if raw else {}
    index = pandas_metadata.pop("index_columns", [])
    default = {"kind": "range", "name": None, "start": 0, "step": 1}
    if index and (
        len(index) != 1
        or not isinstance(index[0], dict)
        or {k: v for k, v in index[0].items() if k != "stop"} != default
    ):
        return None  # a stored or named index: to_pandas rebuilds it per table
    other = sorted((k.hex(), v.hex()) for k, v in metadata.items())
    text = json.dumps([pandas_metadata, other], sort_keys=True) if raw or other else ""
    return schema.remove_metadata().serialize().to_pybytes(), text


def _without_index(schema: pa.Schema) -> pa.Schema:
    """`schema` with the default index taken out of its pandas metadata (`_batch_key`
    allows no other), so that the concatenated tables get one default index."""
    metadata = dict(schema.metadata or {})
    raw = metadata.get(b"pandas")
    if not raw:
        return schema
    pandas_metadata = json.loads(raw)
    pandas_metadata["index_columns"] = []
    metadata[b"pandas"] = json.dumps(pandas_metadata).encode()
    return schema.with_metadata(metadata)


def _parse_metadata(raw: bytes, name: str) -> dict[str, Any] | str:
    """The metadata in `raw`, or why it is not metadata (naming the file, `name`)."""
    try:
        metadata = json.loads(raw)
    except ValueError as error:  # invalid JSON or not UTF-8
        return f"{name} is not valid JSON ({error}); it may be truncated"
    if not isinstance(metadata, dict):
        return f"{name} holds a JSON {type(metadata).__name__}, not an object"
    return metadata


def runs_frame(metadata: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """One row per experiment from `experiment -> metadata` (see `Study.runs`)."""
    rows = []
    for experiment, meta in metadata.items():
        metrics = _as_list(meta.get("metric"))
        modes = _as_list(meta.get("mode")) or ["min"] * len(metrics)
        row: dict[str, Any] = {"experiment": experiment}
        row.update(_flatten(meta))
        row.update(
            benchmark=str(meta.get("benchmark", meta.get("name", experiment))),
            method=str(meta.get("method", meta.get("scheduler", "unknown"))),
            seed=int(meta.get("seed", 0)),
            metric=metrics[0] if metrics else None,
            mode=modes[0] if modes else "min",
            metrics=tuple(metrics),
            modes=tuple(modes),
            status=str(meta.get("status", "unknown")),
        )
        rows.append(row)
    runs: pd.DataFrame = pd.DataFrame(rows)
    if runs.empty:
        empty: pd.DataFrame = pd.DataFrame(
            columns=["experiment", "benchmark", "method", "seed", "status"]
        )
        return empty
    if "start_time" in runs:
        runs["start_time"] = pd.to_datetime(runs["start_time"], utc=True, errors="coerce")
    return runs


def _filter(
    runs: pd.DataFrame,
    *,
    where: Mapping[str, Sequence[str]] | None,
    since: str | None,
    until: str | None,
) -> pd.DataFrame:
    keep = pd.Series(True, index=runs.index)
    for key, values in (where or {}).items():
        if key not in runs:
            known = ", ".join(sorted(c for c in runs.columns if "." not in c))
            raise KeyError(f"no metadata field {key!r} in these experiments; fields: {known}")
        wanted = {str(v) for v in values}
        keep &= runs[key].map(lambda value, wanted=wanted: _text(value) in wanted)
    for bound, keep_if in ((since, "after"), (until, "before")):
        if bound is None:
            continue
        if "start_time" not in runs:
            raise KeyError("the experiments have no start_time: --since/--until cannot apply")
        when = _timestamp(bound)
        keep &= runs["start_time"] >= when if keep_if == "after" else runs["start_time"] <= when
    kept: pd.DataFrame = runs[keep].reset_index(drop=True)
    return kept


def _timestamp(text: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(text)
    except ValueError as error:
        raise ValueError(f"time {text!r} is not an ISO 8601 date or time") from error
    utc: pd.Timestamp = (
        stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    )
    return utc


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _flatten(node: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in node.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{name}."))
        elif isinstance(value, list):
            flat[name] = tuple(_hashable(v) for v in value)
        else:
            flat[name] = value
    return flat


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return value


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def _join(base: str, *parts: str) -> str:
    return "/".join(p for p in (base.rstrip("/"), *parts) if p)


def _parallel(
    read: Callable[[T], R], items: Iterable[T], jobs: int, show: bool, what: str
) -> list[R]:
    items = list(items)
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        mapped = pool.map(read, items)
        return list(
            tqdm(mapped, total=len(items), desc=f"reading {what}", unit="exp", disable=not show)
        )
