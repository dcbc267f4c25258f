"""Reading a tuner state without running code from it: a restricted unpickler.

A results folder may come from someone else (a colleague, a download, an S3 bucket),
and a pickle can call any function it names while it loads. So the state a resumed
run reads (`tuner_state/state-<generation>.pkl`) is loaded by an unpickler that
resolves only the globals of an allow-list:

- builtin containers and scalars (`set`, `frozenset`, `complex`, `bytearray`, ...)
  and `collections`' `OrderedDict`, `deque`, `defaultdict` and `Counter`;
- numpy arrays, dtypes and scalars (the reconstruction functions of numpy 1 and 2)
  and the pickling helpers of numpy's random generators and bit generators;
- classes (not functions) defined in `tunelab.*` modules (never a `__main__`);
- globals a plugin registers with `allow_global` for the state of its scheduler.

Anything else is refused with `UnsafePickleError` before it is called. Nothing is
imported for a refused global except `tunelab.*` modules, which are installed code.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import IO, Any

_BUILTINS = "bool bytearray bytes complex dict float frozenset int list range set slice str tuple"
_NUMPY_CORE = ("numpy.core", "numpy._core")  # numpy 1 and numpy 2 names

SAFE_GLOBALS: frozenset[tuple[str, str]] = frozenset(
    {("builtins", name) for name in _BUILTINS.split()}
    | {("collections", name) for name in ("Counter", "OrderedDict", "defaultdict", "deque")}
    | {("numpy", "dtype"), ("numpy", "ndarray")}
    | {(f"{core}.multiarray", name) for core in _NUMPY_CORE for name in ("_reconstruct", "scalar")}
    | {(f"{core}.numeric", "_frombuffer") for core in _NUMPY_CORE}
    | {
        ("numpy.random._pickle", name)
        for name in ("__generator_ctor", "__bit_generator_ctor", "__randomstate_ctor")
    }
    | {("numpy.random._pcg64", "PCG64"), ("numpy.random._pcg64", "PCG64DXSM")}
    | {(f"numpy.random._{name.lower()}", name) for name in ("MT19937", "Philox", "SFC64")}
    | {("numpy.random.bit_generator", n) for n in ("SeedSequence", "__pyx_unpickle_SeedSequence")}
)
"""`(module, name)` of the globals any state may name, besides `tunelab.*` classes."""

_allowed: set[tuple[str, str]] = set()


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle names a global that is not on the allow-list; nothing of it was run."""


def allow_global(module: str, name: str) -> None:
    """Let tuner states name `module.name` too (for a plugin scheduler's own classes).

    Call it where the plugin is imported, for types whose construction from a
    state runs no code beyond setting their fields.
    """
    _allowed.add((module, name))


class SafeUnpickler(pickle.Unpickler):
    """An unpickler that resolves only the allow-listed globals (see the module).

    Args:
        file: The pickle's binary stream.
        source: What to name in errors (the file's path).
    """

    def __init__(self, file: IO[bytes], *, source: str) -> None:
        super().__init__(file)
        self.source = source

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in SAFE_GLOBALS or (module, name) in _allowed:
            return super().find_class(module, name)
        if _is_tunelab_library(module) and name.isidentifier():
            found = super().find_class(module, name)
            if isinstance(found, type) and found.__module__.startswith("tunelab."):
                return found
        raise UnsafePickleError(
            f"{self.source} names the global {module}.{name}, which tunelab does not load "
            "from a tuner state (only plain data, numpy arrays and tunelab classes): the "
            "folder may come from an untrusted source. Nothing of it was run; move the "
            "folder away to start anew, or, if it is yours and a plugin's state holds "
            "that type, register it with tunelab.core.results.safe_pickle.allow_global."
        )


def _is_tunelab_library(module: str) -> bool:
    """A `tunelab.*` module that importing does not run: not a `__main__`."""
    parts = module.split(".")
    return (
        len(parts) > 1
        and parts[0] == "tunelab"
        and all(part.isidentifier() and part != "__main__" for part in parts)
    )


def loads(data: bytes, *, source: str = "<bytes>") -> Any:
    """Unpickle `data` with `SafeUnpickler`; `source` names it in errors."""
    return SafeUnpickler(io.BytesIO(data), source=source).load()


def load_pickle(path: Path) -> Any:
    """Unpickle the file at `path` with `SafeUnpickler`.

    Raises:
        UnsafePickleError: If the file names a global outside the allow-list.
    """
    with path.open("rb") as handle:
        return SafeUnpickler(handle, source=str(path)).load()
