"""A minimal 'tuner' that starts one sleeper trial and then waits to be killed.

Usage: python tuner_with_trial.py EXPERIMENT_FOLDER
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from tunelab.core.backends.local import LocalBackend
from tunelab.core.trial import Trial

backend = LocalBackend(Path(__file__).parent / "sleeper.py", gpus=[])
backend.set_path(Path(sys.argv[1]))
backend.start_trial(Trial(trial_id=0, config={}))
time.sleep(60)
