"""Prints tunelab and Syne Tune metric lines, noise, a malformed line and a split line.

The split line is written in two pieces: after the first, the script creates
`partial_written` in its trial folder and waits for the test to create `go` there.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from tunelab.core.reporter import report

folder = Path(os.environ["TUNELAB_CHECKPOINT_DIR"]).parent
report(step=1, name="first")
print("an ordinary log line")
print(
    '[tune-metric]: {"step": 2, "st_worker_time": 0.5, "st_worker_timestamp": 1.0, '
    '"st_worker_iter": 0, "st_worker_cost": 0.25}'
)
print("[tunelab-metric]: {this is not json")
sys.stdout.write('[tunelab-metric]: {"step": ')
sys.stdout.flush()
(folder / "partial_written").touch()
deadline = time.monotonic() + 10
while not (folder / "go").exists() and time.monotonic() < deadline:
    time.sleep(0.01)
sys.stdout.write("3}\n")
