"""Callbacks that copy a tuning run's results to the tools people track experiments
with: `TensorBoardCallback` (extra `tunelab-core[tensorboard]`) and `MLflowCallback`
(extra `tunelab-core[mlflow]`).

Importing this package needs neither library; constructing a callback does, and
raises an `ImportError` naming the extra to install when it is missing.

```python
from tunelab.core.integrations import MLflowCallback, TensorBoardCallback

tuner = Tuner(..., callbacks=[TensorBoardCallback(), MLflowCallback()])
```
"""

from __future__ import annotations

from tunelab.core.integrations._tracking import TrackingCallback, TrackingWarning
from tunelab.core.integrations.mlflow import MLflowCallback
from tunelab.core.integrations.tensorboard import TensorBoardCallback

__all__ = ["MLflowCallback", "TensorBoardCallback", "TrackingCallback", "TrackingWarning"]
