"""`PythonBackend`: tune a plain Python function, each trial in a worker process."""

from __future__ import annotations

import importlib.util
import inspect
import os
import sys
import sysconfig
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import cloudpickle

from tunelab.core.backends._binding import bind_config, function_name
from tunelab.core.backends.local import LocalBackend
from tunelab.core.trial import Config

WORKER_MODULE = "tunelab.core.backends._python_worker"
"""Run with `python -m` in each worker process; not imported by the tuner, so that
`-m` finds it fresh (no runpy warning in every trial's stderr)."""

FUNCTION_FILE = "function.pkl"
"""File in the experiment folder holding the pickled function."""


class PythonBackend(LocalBackend):
    """Runs a Python function once per trial, each call in its own worker process.

    The function is pickled with cloudpickle when the backend is created (so later
    changes to captured variables are not seen) and saved as `function.pkl` in the
    experiment folder. Functions defined in `__main__`, closures and lambdas work;
    the function's own module is pickled by value unless it is installed in
    site-packages, so the workers need not be able to import it.

    A worker calls the function with the configuration as keyword arguments. Every
    configuration key must be a parameter of the function, unless it takes
    `**kwargs`; otherwise `start_trial` raises a `TypeError` naming the key. A
    parameter named `checkpoint_dir` receives the trial's checkpoint folder as a
    `Path` (for a trial started from another trial's checkpoint, as in Population
    Based Training, the folder holds a copy of that checkpoint when it starts).
    Inside, the function reports with `tunelab.core.reporter.report`. If it returns
    a dict, that dict is reported as the final result; None is fine; any other
    return value, or an exception, fails the trial (the traceback ends up in the
    trial's error).

    Everything else (folders, logs, environment, GPUs, pausing) is as for
    `LocalBackend`. The workers run `python` (default: the tuner's interpreter),
    which must have tunelab-core and the function's imports installed.

    Args:
        fn: The function to tune.
        python: Interpreter of the worker processes.
        env: Extra environment variables for the workers.
        gpus: Device ids to share out; None detects them, [] uses none.
        num_gpus_per_trial: GPUs given to each trial when there are GPUs.
        delete_checkpoints: Remove checkpoints of completed, failed and stopped trials.
        stop_grace_period: Seconds between SIGTERM and SIGKILL.
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        *,
        python: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        gpus: Sequence[str] | None = None,
        num_gpus_per_trial: int = 1,
        delete_checkpoints: bool = False,
        stop_grace_period: float = 5.0,
    ) -> None:
        if not callable(fn):
            raise TypeError(f"fn={fn!r} is not callable; expected a function")
        try:
            inspect.signature(fn)
        except (TypeError, ValueError) as err:
            raise TypeError(f"cannot read the parameters of {fn!r}: {err}") from err
        self._fn = fn
        self._pickled_fn = _pickle_function(fn)
        super().__init__(
            _worker_file(),
            python=python,
            pass_config_as="json",
            env=env,
            gpus=gpus,
            num_gpus_per_trial=num_gpus_per_trial,
            delete_checkpoints=delete_checkpoints,
            stop_grace_period=stop_grace_period,
        )

    @property
    def function_file(self) -> Path:
        """Where the pickled function lives (inside the experiment folder)."""
        return self.path / FUNCTION_FILE

    def set_path(self, path: Path) -> None:
        super().set_path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.function_file.write_bytes(self._pickled_fn)

    def default_name(self) -> str:
        """The function's `__name__` (`lambda` for a lambda)."""
        name = getattr(self._fn, "__name__", type(self._fn).__name__)
        return name.strip("<>") or "function"

    def _command(self, trial_id: int, config: Config, config_file: Path) -> list[str]:
        # Fail in the tuner, naming the key, rather than in every worker.
        bind_config(self._fn, config, checkpoint=self.checkpoint_path(trial_id))
        return [
            self._python,
            "-m",
            WORKER_MODULE,
            "--function",
            str(self.function_file),
            "--config",
            str(config_file),
        ]


def _worker_file() -> str:
    spec = importlib.util.find_spec(WORKER_MODULE)
    assert spec is not None and spec.origin is not None, f"{WORKER_MODULE} is missing"
    return spec.origin


def _pickle_function(fn: Callable[..., Any]) -> bytes:
    module = sys.modules.get(getattr(fn, "__module__", None) or "")
    if (
        module is None
        or module.__name__ == "__main__"  # cloudpickle pickles __main__ by value anyway
        or module.__name__ in cloudpickle.list_registry_pickle_by_value()
        or _is_installed(module)
    ):
        return _dumps(fn)
    cloudpickle.register_pickle_by_value(module)
    try:
        return _dumps(fn)
    finally:
        cloudpickle.unregister_pickle_by_value(module)


def _dumps(fn: Callable[..., Any]) -> bytes:
    try:
        pickled: bytes = cloudpickle.dumps(fn)
        return pickled
    except Exception as err:
        raise TypeError(
            f"cannot pickle {function_name(fn)} for the worker processes: {err}"
        ) from err


def _is_installed(module: ModuleType) -> bool:
    """True for modules of the standard library and site-packages (importable anywhere)."""
    file = getattr(module, "__file__", None)
    if file is None:
        return True  # built in
    roots = {sysconfig.get_path(name) for name in ("stdlib", "platstdlib", "purelib", "platlib")}
    return any(Path(file).resolve().is_relative_to(Path(root).resolve()) for root in roots if root)
