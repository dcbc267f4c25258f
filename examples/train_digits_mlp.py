"""Train a small MLP on scikit-learn's bundled digits dataset, one epoch at a time.

The training script of the demo and of the end-to-end tests: it reads its
hyperparameters as `--name value` arguments, reports validation error after every
epoch, and checkpoints so that a paused or interrupted trial continues where it was.
It runs on its own too: `python examples/train_digits_mlp.py --epochs 5`.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from tunelab.core.checkpoint import load_checkpoint, save_checkpoint
from tunelab.core.reporter import Reporter


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learning_rate", type=float, default=1e-3)
    parser.add_argument("--alpha", type=float, default=1e-4, help="L2 penalty")
    parser.add_argument("--hidden", type=int, default=64, help="units of the hidden layer")
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--sleep", type=float, default=0.0, help="extra seconds per epoch (slows demos down)"
    )
    return parser.parse_known_args()[0]


def main() -> None:
    args = parse_args()
    x, y = load_digits(return_X_y=True)
    x_train, x_val, y_train, y_val = train_test_split(
        x, y, test_size=0.3, random_state=args.seed, stratify=y
    )
    scaler = StandardScaler().fit(x_train)
    x_train, x_val = scaler.transform(x_train), scaler.transform(x_val)

    checkpoint = load_checkpoint()
    if checkpoint is None:
        model = MLPClassifier(
            hidden_layer_sizes=(args.hidden,),
            learning_rate_init=args.learning_rate,
            alpha=args.alpha,
            batch_size=args.batch_size,
            random_state=args.seed,
        )
        start = 1
    else:
        model, start = checkpoint["model"], checkpoint["epoch"] + 1

    report = Reporter()
    classes = np.unique(y)
    for epoch in range(start, args.epochs + 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.partial_fit(x_train, y_train, classes=classes)
        time.sleep(args.sleep)
        error = 1.0 - model.score(x_val, y_val)
        save_checkpoint({"model": model}, epoch=epoch)
        report(epoch=epoch, val_error=error, train_loss=float(model.loss_))


if __name__ == "__main__":
    main()
