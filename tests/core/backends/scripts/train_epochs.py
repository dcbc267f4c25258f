"""A training loop that checkpoints every epoch and resumes from its checkpoint."""

from __future__ import annotations

import argparse
import time

from tunelab.core.checkpoint import resume_epoch, save_checkpoint
from tunelab.core.reporter import report

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, required=True)
parser.add_argument("--sleep", type=float, default=0.0)
args, _ = parser.parse_known_args()

start = resume_epoch() + 1
for epoch in range(start, args.epochs + 1):
    time.sleep(args.sleep)
    save_checkpoint({"weights": [epoch] * 3}, epoch=epoch)
    report(epoch=epoch, start=start)
