"""Worker process of `PythonBackend`: loads the pickled function and runs one trial.

Run as `python -m tunelab.core.backends._python_worker --function F --config C`,
where F holds the cloudpickled function and C the trial's `config.json`. The
checkpoint folder comes from `TUNELAB_CHECKPOINT_DIR`. An exception raised by the
function ends the process with its traceback on stderr and exit code 1.
"""

from __future__ import annotations

import argparse
import inspect
import json
import pickle
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from tunelab.core.checkpoint import checkpoint_dir
from tunelab.core.reporter import report

CHECKPOINT_PARAMETER = "checkpoint_dir"
"""A function parameter of this name receives the trial's checkpoint folder."""


def function_name(fn: Callable[..., Any]) -> str:
    """`module.qualname` of `fn`, for messages."""
    module = getattr(fn, "__module__", None) or "?"
    return f"{module}.{getattr(fn, '__qualname__', repr(fn))}"


def bind_config(
    fn: Callable[..., Any], config: Mapping[str, Any], *, checkpoint: Path | None
) -> dict[str, Any]:
    """Keyword arguments for calling `fn` on `config`.

    Every configuration entry must match a parameter of `fn`, unless `fn` takes
    `**kwargs`: a key it does not accept is most likely a misspelt hyperparameter. A
    parameter named `checkpoint_dir` receives `checkpoint`.

    Raises:
        TypeError: A key is not a parameter, `checkpoint_dir` is also a config key, or
            a parameter without default has no value.
    """
    parameters = inspect.signature(fn).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    keywords = {
        name
        for name, p in parameters.items()
        if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    }
    wants_checkpoint = CHECKPOINT_PARAMETER in keywords
    for key in config:
        if key == CHECKPOINT_PARAMETER and wants_checkpoint:
            raise TypeError(
                f"config key {key!r} clashes with the parameter through which "
                f"{function_name(fn)} receives its checkpoint folder; rename the key"
            )
        if key not in keywords and not takes_any:
            raise TypeError(
                f"config key {key!r} is not a parameter of {function_name(fn)}"
                f"{inspect.signature(fn)}; add the parameter or **kwargs"
            )
    arguments = dict(config)
    if wants_checkpoint:
        arguments[CHECKPOINT_PARAMETER] = checkpoint
    try:
        inspect.signature(fn).bind(**arguments)
    except TypeError as err:
        raise TypeError(
            f"cannot call {function_name(fn)} with config {dict(config)!r}: {err}"
        ) from err
    return arguments


def run(fn: Callable[..., Any], config: Mapping[str, Any]) -> None:
    """Call `fn` on `config`; report the dict it returns as the final result."""
    result = fn(**bind_config(fn, config, checkpoint=checkpoint_dir()))
    if result is None:
        return
    if not isinstance(result, Mapping):
        raise TypeError(
            f"{function_name(fn)} returned {type(result).__name__} {result!r:.200}; "
            "expected a dict of final metrics or None"
        )
    report(**result)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run one PythonBackend trial.")
    parser.add_argument("--function", type=Path, required=True)
    parser.add_argument("--config", type=Path, required=True)
    args = parser.parse_args(argv)
    with open(args.function, "rb") as file:
        fn = pickle.load(file)  # cloudpickle output is ordinary pickle data
    with open(args.config, encoding="utf-8") as file:
        config = json.load(file)
    run(fn, config)


if __name__ == "__main__":
    main(sys.argv[1:])
