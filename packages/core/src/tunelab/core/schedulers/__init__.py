"""Schedulers: decide when trials start, pause, resume and stop."""

from tunelab.core.schedulers.fifo import FIFOScheduler

__all__ = ["FIFOScheduler"]
