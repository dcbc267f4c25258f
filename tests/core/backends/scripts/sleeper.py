"""Prints one metric line, starts a grandchild, records both pids in `pids.json`, sleeps.

With `--ignore_sigterm True` it ignores SIGTERM, so only SIGKILL ends it. It avoids
importing tunelab so that it starts fast.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("--ignore_sigterm", default="False")
args, _ = parser.parse_known_args()
if args.ignore_sigterm == "True":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)

print('[tunelab-metric]: {"value": 1}', flush=True)
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
folder = Path(os.environ["TUNELAB_CHECKPOINT_DIR"]).parent
temp = folder / "pids.json.tmp"
temp.write_text(json.dumps({"trial": os.getpid(), "grandchild": child.pid}))
temp.replace(folder / "pids.json")
time.sleep(60)
