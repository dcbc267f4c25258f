"""A tracked tuning job that test_tracking_kill_resume.py SIGKILLs and runs again.

`python tracking_kill_runner.py TOOL PATH KILL_AT [TRACKING_URI]` tunes like
`tracked.make_tuner` (ASHA, promotion) with TensorBoardCallback or MLflowCallback
(TOOL), flushing after every result, and saving the results after every poll of the
backend. The backend delivers two results per trial and poll, so when the process
kills itself at the KILL_AT-th result (0: never), the callback has logged results
that the experiment has not saved yet.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

from tracked import curve, make_tuner

from tunelab.core import Decision, Trial, TunerCallback, TunerOptions
from tunelab.core.integrations import MLflowCallback, TensorBoardCallback
from tunelab.core.testing import InlineBackend


class KillAt(TunerCallback):
    def __init__(self, after: int) -> None:
        self.after, self.seen = after, 0

    def on_trial_result(self, trial: Trial, result: dict[str, Any], decision: Decision) -> None:
        self.seen += 1
        if self.seen == self.after:
            os.kill(os.getpid(), signal.SIGKILL)


def main(tool: str, path: str, kill_at: str, uri: str | None = None) -> None:
    tracker: TunerCallback
    if tool == "tensorboard":
        tracker = TensorBoardCallback(flush_interval=0)
    else:
        tracker = MLflowCallback(tracking_uri=uri, flush_interval=0)
    make_tuner(
        Path(path),
        [tracker, KillAt(int(kill_at))],
        backend=InlineBackend(curve, results_per_fetch=2),
        options=TunerOptions(sleep_time=0.0, save_interval=0.0, progress_interval=None),
    ).run()


if __name__ == "__main__":
    main(*sys.argv[1:])
