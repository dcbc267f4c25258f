"""Tuning job driven by test_kill_resume.py: `python tune_digits.py {local|python} PATH`.

Tunes the digits MLP of examples/ with random search on 2 workers until 8 trials have
completed, saving every half second so that a SIGKILL finds plenty on disk.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tunelab.core import (
    LocalBackend,
    PythonBackend,
    StoppingCriterion,
    Tuner,
    TunerOptions,
)
from tunelab.core.methods import random_search
from tunelab.core.space import lograndint, loguniform

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "train_digits_mlp.py"
SPACE = {
    "learning_rate": loguniform(1e-3, 1e-1),
    "hidden": lograndint(8, 64),
    "epochs": 4,
    "sleep": 0.3,
}


def train(learning_rate: float, hidden: int, epochs: int, sleep: float) -> None:
    """The same training as the example script, as a Python function."""
    import time

    from sklearn.datasets import load_digits
    from sklearn.linear_model import SGDClassifier

    from tunelab.core.checkpoint import load_checkpoint, save_checkpoint
    from tunelab.core.reporter import Reporter

    x, y = load_digits(return_X_y=True)
    checkpoint = load_checkpoint()
    model = checkpoint["model"] if checkpoint else SGDClassifier(eta0=learning_rate, random_state=0)
    report = Reporter()
    for epoch in range((checkpoint or {"epoch": 0})["epoch"] + 1, epochs + 1):
        model.partial_fit(x[:1200] / 16.0, y[:1200], classes=list(range(10)))
        time.sleep(sleep)
        save_checkpoint({"model": model}, epoch=epoch)
        report(epoch=epoch, val_error=1.0 - model.score(x[1200:] / 16.0, y[1200:]), width=hidden)


def main() -> None:
    kind, path = sys.argv[1], Path(sys.argv[2])
    backend = LocalBackend(EXAMPLE) if kind == "local" else PythonBackend(train)
    tuner = Tuner(
        backend=backend,
        scheduler=random_search(SPACE, metric="val_error", seed=7, resource_attr="epoch"),
        stop_criterion=StoppingCriterion(max_num_trials_completed=8),
        n_workers=2,
        path=path,
        options=TunerOptions(save_interval=0.5, progress_interval=None),
    )
    tuner.run()


if __name__ == "__main__":
    main()
