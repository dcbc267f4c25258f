"""Constructors that pass their base's options on as `**options: Unpack[SomeTypedDict]`.

A subclass constructor names the options it adds, fixes or gives another default, and
passes the base's other options on unchanged: the type checker checks them against
the TypedDict, and `spell_out_options` (called from the base's `__init_subclass__`)
writes them into the constructor's `__signature__` with the base's defaults, so that
`inspect.signature` (read by the method presets, the Hydra configurations and
`help`) lists every option.
"""

from __future__ import annotations

import inspect
import re
from typing import Any


def spell_out_options(cls: type[Any]) -> None:
    """Replace the `**options: Unpack[X]` of `cls.__init__` in its signature by the
    parameters of the base class's constructor that `X` names (after its own).

    Annotations are strings here (postponed evaluation) and `Unpack` exists only for
    the type checker, so `X` is found by its name in the module of the constructor.

    Raises:
        TypeError: `X` is not importable at run time, or names an option the base
            constructor does not take.
    """
    init = cls.__dict__.get("__init__")
    if init is None:
        return
    signature = inspect.signature(init)
    *own, last = signature.parameters.values()
    passed_on = _unpacked(init, last)
    if passed_on is None:
        return
    base = inspect.signature(super(cls, cls).__init__).parameters
    unknown = sorted(set(passed_on) - set(base))
    if unknown:
        raise TypeError(f"{cls.__name__}: the base constructor takes no {unknown}")
    inherited = [base[name] for name in base if name in passed_on]
    init.__signature__ = signature.replace(parameters=[*own, *inherited])


def _unpacked(init: Any, parameter: inspect.Parameter) -> frozenset[str] | None:
    """The keys of the TypedDict of `**options: Unpack[X]`, or None when `parameter`
    is no such `**options`."""
    if parameter.kind is not inspect.Parameter.VAR_KEYWORD:
        return None
    match = re.fullmatch(r"Unpack\[(\w+)\]", str(parameter.annotation))
    if match is None:
        return None
    options = init.__globals__.get(match[1])
    if options is None:
        raise TypeError(f"{init.__qualname__}: import {match[1]} at run time, not only for typing")
    keys: frozenset[str] = options.__required_keys__ | options.__optional_keys__
    return keys
