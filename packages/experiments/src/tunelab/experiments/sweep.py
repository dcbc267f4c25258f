"""The end of a sweep: what completed, what was skipped, what failed and how to re-run it."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

OUTCOMES_DIR = "outcomes"


class SweepSummary(Callback):
    """Prints the sweep's summary when a multirun ends (whatever the launcher).

    Each job writes its outcome to `<sweep dir>/outcomes/<job number>.json`; a job
    whose process died leaves none and is reported as lost.
    """

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        folder = Path(str(config.hydra.sweep.dir)) / OUTCOMES_DIR
        print(summarize(folder))


def summarize(folder: Path) -> str:
    """The summary text for the outcomes recorded in `folder`."""
    outcomes = [
        json.loads(path.read_text())
        for path in sorted(folder.glob("*.json"), key=lambda p: int(p.stem))
    ]
    counts = {status: 0 for status in ("complete", "skipped", "failed")}
    for outcome in outcomes:
        counts[outcome["status"]] = counts.get(outcome["status"], 0) + 1
    lines = [
        f"sweep finished: {len(outcomes)} experiments: {counts['complete']} complete, "
        f"{counts['skipped']} skipped (already complete), {counts['failed']} failed"
    ]
    failed = [o for o in outcomes if o["status"] == "failed"]
    for outcome in failed:
        lines.append(f"  failed: {outcome['path']}: {outcome['error']}")
    if failed:
        lines.append("re-run the failed experiments with:")
        lines += [
            "  tunelab-run " + " ".join(shlex.quote(o) for o in outcome["overrides"])
            for outcome in failed
        ]
    return "\n".join(lines)
