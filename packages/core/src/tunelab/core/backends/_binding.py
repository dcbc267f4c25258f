"""How a `PythonBackend` function is called with a configuration."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

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
