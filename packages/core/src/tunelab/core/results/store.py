"""The experiment folder on disk: metadata, results table and tuner state.

Layout:

```
metadata.json      what was run, with which settings, and its status
results.parquet    one row per reported result: trial_id, tuner_time, decision,
                   status, decision_time, the reported metrics (with worker_time,
                   worker_timestamp and worker_iter from the Reporter) and
                   config_<name> columns
trials.parquet     one row per trial: its status, times, error, number of results
                   and configuration (see `tunelab.core.results.experiment`)
tuner_state/       state-<generation>.pkl: what a resumed run needs
trials/<id>/       the backend's per-trial folders (logs, config, checkpoint)
```

Results and state are saved together as one *generation*: the state file is written
first, then the results file, whose Parquet metadata names its generation. A resumed
run reads the generation from the results file and loads the state file of the same
generation, so the two always agree, whenever the previous run was killed.

A run killed in the middle of a write leaves the temporary file of that write
behind (`.results.parquet.<random>.tmp`, see `tunelab.core._atomic`); the store
deletes those of its own files before it first writes, when it is the folder's only
writer (the tuner holds the folder's lock by then). The state file is read with
`safe_pickle`, so a results folder from elsewhere cannot run code when resumed.

`decision_time` is the real time (seconds) the scheduler spent in the tuner's calls
(suggest, on_trial_add, on_trial_result, on_trial_complete/error/remove,
removable_checkpoints) since the previous row, the calls on the row's own result
included; its cumulative sum in row order is the decision time spent up to each
result. metadata.json's `decision_seconds` is the total of the experiment: the sum of
the column plus the calls made after the last row. Columns of measured real time
(`REAL_TIME_COLUMNS`) differ between two runs of the same experiment; every other
column of a simulated run is determined by its seeds and settings.
"""

from __future__ import annotations

import json
import logging
import pickle
import re
from pathlib import Path
from typing import Any

import pandas as pd

from tunelab.core._atomic import stale_temporaries, write_atomic
from tunelab.core.results.io import (
    read_parquet_metadata,
    write_json_atomic,
    write_parquet_atomic,
)
from tunelab.core.results.safe_pickle import load_pickle

METADATA_FILE = "metadata.json"
RESULTS_FILE = "results.parquet"
STATE_DIR = "tuner_state"
CONFIG_PREFIX = "config_"
GENERATION_KEY = "tunelab_generation"
DECISION_TIME = "decision_time"
REAL_TIME_COLUMNS = ("worker_time", "worker_timestamp", DECISION_TIME)
"""Columns of measured real time: leave them out when comparing runs for identity."""
_STATE_FILE = re.compile(r"state-\d+\.pkl")

logger = logging.getLogger(__name__)


class ExperimentStore:
    """Reads and writes one experiment folder; the tuner owns one of these."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.generation = 0
        self._frames: list[pd.DataFrame] = []
        self._new_rows: list[dict[str, Any]] = []
        self._cleaned = False

    @property
    def metadata_path(self) -> Path:
        return self.path / METADATA_FILE

    @property
    def results_path(self) -> Path:
        return self.path / RESULTS_FILE

    def has_results(self) -> bool:
        return self.results_path.exists()

    def read_metadata(self) -> dict[str, Any]:
        return dict(json.loads(self.metadata_path.read_text()))

    def write_metadata(self, metadata: dict[str, Any]) -> None:
        self._remove_stale_temporaries()
        write_json_atomic(self.metadata_path, metadata)

    def add_row(self, row: dict[str, Any]) -> None:
        self._new_rows.append(row)

    def results(self) -> pd.DataFrame:
        """All results so far, saved or not, as one table."""
        if self._new_rows:
            self._frames.append(pd.DataFrame(self._new_rows))
            self._new_rows = []
        if not self._frames:
            empty: pd.DataFrame = pd.DataFrame({"trial_id": pd.Series([], dtype="int64")})
            return empty
        if len(self._frames) > 1:
            non_empty = [frame for frame in self._frames if len(frame)] or self._frames[:1]
            self._frames = [pd.concat(non_empty, ignore_index=True)]
        return self._frames[0]

    def save(self, state: dict[str, Any]) -> None:
        """Write `state` and the results as the next generation, atomically."""
        self._remove_stale_temporaries()
        generation = self.generation + 1
        state_dir = self.path / STATE_DIR
        payload = pickle.dumps({**state, "generation": generation}, protocol=5)
        write_atomic(state_dir / f"state-{generation}.pkl", lambda handle: handle.write(payload))
        write_parquet_atomic(self.results_path, self.results(), {GENERATION_KEY: str(generation)})
        self.generation = generation
        for old in state_dir.glob("state-*.pkl"):
            if _generation_of(old) < generation - 1:
                old.unlink(missing_ok=True)

    def load(self) -> dict[str, Any] | None:
        """Load the last saved generation: results into memory, the state returned.

        Returns None when nothing was saved yet.
        """
        if not self.has_results():
            return None
        generation = int(read_parquet_metadata(self.results_path).get(GENERATION_KEY, "0"))
        state_file = self.path / STATE_DIR / f"state-{generation}.pkl"
        if not state_file.exists():
            raise FileNotFoundError(
                f"cannot resume the experiment in {self.path}: its results are of generation "
                f"{generation} but {state_file} is missing; move the folder away to start anew"
            )
        state: dict[str, Any] = load_pickle(state_file)
        self._frames = [pd.read_parquet(self.results_path)]
        self._new_rows = []
        self.generation = generation
        return state

    def _remove_stale_temporaries(self) -> None:
        """Delete what killed writes of a previous run left: once, before the first write.

        Only the temporary files of this store's own files go (metadata, results,
        state); whatever else is in the folder, a user's `.notes.tmp` say, stays.
        """
        if self._cleaned:
            return
        self._cleaned = True
        stale = [
            *stale_temporaries(self.path, lambda name: name in (METADATA_FILE, RESULTS_FILE)),
            *stale_temporaries(self.path / STATE_DIR, _is_state_file),
        ]
        for path in stale:
            logger.info("removing %s, left by a write that was interrupted", path)
            path.unlink(missing_ok=True)


def _is_state_file(name: str) -> bool:
    return _STATE_FILE.fullmatch(name) is not None


def _generation_of(path: Path) -> int:
    try:
        return int(path.stem.split("-", 1)[1])
    except (IndexError, ValueError):
        logger.warning("unexpected file in tuner state folder: %s", path)
        return 1 << 62
