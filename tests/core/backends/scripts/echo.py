"""Reports its arguments, working directory, environment and configuration file.

It prints the metric line itself instead of importing tunelab, so that it starts fast.
"""

from __future__ import annotations

import json
import os
import sys

env = {
    key: os.environ.get(key)
    for key in (
        "TUNELAB_TRIAL_ID",
        "TUNELAB_CHECKPOINT_DIR",
        "TUNELAB_CONFIG_JSON",
        "CUDA_VISIBLE_DEVICES",
        "PYTHONUNBUFFERED",
        "EXTRA_VAR",
    )
}
with open(os.environ["TUNELAB_CONFIG_JSON"], encoding="utf-8") as file:
    config = json.load(file)
result = {"argv": sys.argv[1:], "cwd": os.getcwd(), "env": env, "config": config}
print("[tunelab-metric]: " + json.dumps(result))
