"""`make demo-local`: tune the digits MLP with promotion-type ASHA on 4 local workers for a
minute: trials pause at rungs of 1, 3 and 9 epochs and the best resume from their
checkpoints with a larger `epochs` budget.

Set TUNELAB_DEMO_SECONDS to change the budget. Run it again after interrupting it
(Ctrl-C) and it resumes where it stopped.
"""

from __future__ import annotations

import os
from pathlib import Path

from tunelab.core import LocalBackend, StoppingCriterion, Tuner, load_experiment
from tunelab.core.methods import asha_prom
from tunelab.core.space import choice, lograndint, loguniform

HERE = Path(__file__).parent


def main() -> None:
    seconds = float(os.environ.get("TUNELAB_DEMO_SECONDS", "60"))
    config_space = {
        "learning_rate": loguniform(1e-4, 1e-1),
        "alpha": loguniform(1e-6, 1e-1),
        "hidden": lograndint(8, 256),
        "batch_size": choice([32, 64, 128]),
        "epochs": 10,
    }
    tuner = Tuner(
        backend=LocalBackend(HERE / "train_digits_mlp.py"),
        scheduler=asha_prom(
            config_space,
            metric="val_error",
            mode="min",
            resource_attr="epoch",
            max_resource_attr="epochs",  # rewritten to the next rung on each promotion
            points_to_evaluate=[{}],  # start from the middle of the space
            seed=0,
        ),
        stop_criterion=StoppingCriterion(max_wallclock_time=seconds),
        n_workers=4,
        # default folder: tunelab-results/train_digits_mlp (-2, -3, ... once complete)
    )
    tuner.run()

    experiment = load_experiment(tuner.path)
    best = experiment.best_result()
    status = tuner.status
    print(
        f"\n{status.num_trials_started} trials started ({status.num_trials_completed} completed),"
        f" {status.num_results} results in {status.tuner_time:.0f} s"
    )
    print(f"best val_error: {best.value:.4f} (trial {best.trial_id})")
    print("best configuration:")
    for name, value in best.config.items():
        print(f"  {name} = {value}")
    print(f"results folder: {experiment.path}")
    print(f"results table:  {experiment.path / 'results.parquet'}")


if __name__ == "__main__":
    main()
