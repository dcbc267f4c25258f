"""The tuner callbacks of a `tunelab-run` experiment: the `callbacks` config group.

```bash
tunelab-run benchmark=branin +callbacks=[tensorboard]
tunelab-run -m method=asha,random_search +callbacks=[tensorboard,mlflow]
tunelab-run +callbacks=[mlflow] callbacks.mlflow.tracking_uri=http://127.0.0.1:5000
```

Each option of the group (`conf/callbacks/<name>.yaml`) adds `callbacks.<name>`: the
keyword arguments of the callback class named in `CALLBACKS`. They only watch the
experiment: switching them on or off is not a change of its settings (a complete
experiment is still skipped, a larger budget still extends it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from omegaconf import DictConfig, OmegaConf

from tunelab.core.callbacks import TunerCallback
from tunelab.core.integrations import MLflowCallback, TensorBoardCallback

CALLBACKS: dict[str, Callable[..., TunerCallback]] = {
    "tensorboard": TensorBoardCallback,
    "mlflow": MLflowCallback,
}
"""Name of a `callbacks` option -> the callback class its settings are passed to."""


def build_callbacks(cfg: DictConfig) -> list[TunerCallback]:
    """The callbacks that `cfg.callbacks` switches on, in the order given (none when
    the job has no `callbacks`).

    Raises:
        ValueError: For an unknown callback name or settings the callback refuses,
            naming `callbacks.<name>`.
        ImportError: When the callback's library is missing (names the extra).
    """
    chosen = cfg.get("callbacks")
    if chosen is None:
        return []
    if not isinstance(chosen, DictConfig):
        raise ValueError(
            f"callbacks={chosen!r}: expected options of the callbacks group, e.g. "
            f"+callbacks=[{','.join(CALLBACKS)}]"
        )
    return [_build(str(name), settings) for name, settings in chosen.items()]


def callbacks_problem(cfg: DictConfig) -> str | None:
    """What is wrong with the job's `callbacks` (None when nothing is): an unknown name,
    settings the callback refuses, or its library missing. Checked before any job of a
    sweep starts; building a callback has no side effect (it writes only once tuning
    starts)."""
    try:
        build_callbacks(cfg)
    except (ValueError, ImportError) as error:
        return str(error)
    return None


def _build(name: str, settings: Any) -> TunerCallback:
    factory = CALLBACKS.get(name)
    if factory is None:
        raise ValueError(f"callbacks.{name}: unknown callback; expected one of {sorted(CALLBACKS)}")
    options = {} if settings is None else OmegaConf.to_container(settings, resolve=True)
    if not isinstance(options, dict):
        raise ValueError(f"callbacks.{name}={options!r}: expected a mapping of its settings")
    try:
        return factory(**{str(key): value for key, value in options.items()})
    except (TypeError, ValueError) as error:
        raise ValueError(f"callbacks.{name}: {error}") from error
