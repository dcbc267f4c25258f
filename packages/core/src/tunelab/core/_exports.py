"""The lazy re-exports of a package `__init__`: names imported on first use.

A package whose public names live in heavy modules (numpy, pandas, scipy) lists them
in a table and lets `lazy_exports` write its module `__getattr__` and `__dir__`
(PEP 562), so that importing the package itself stays cheap:

```python
__version__ = distribution_version("tunelab-gp")
__getattr__, __dir__ = lazy_exports(globals(), {"searchers": ["GPSearcher"]})
```

This module imports nothing heavy: the `__init__` of tunelab-core and of the packages
that depend on it import it first thing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any


def distribution_version(distribution: str) -> str:
    """The installed version of `distribution`; "0.0.0" in a source tree not installed."""
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "0.0.0"


def lazy_exports(
    namespace: dict[str, Any], exports: Mapping[str, Sequence[str]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module `__getattr__` and `__dir__` of a package with lazy public names.

    Args:
        namespace: The package's `globals()`; a name, once imported, is stored there,
            so that `__getattr__` runs once per name.
        exports: Submodule, relative to the package (`"searchers"` for
            `tunelab.gp.searchers`) -> the public names it defines, as the package's
            `if TYPE_CHECKING:` imports list them.

    Returns:
        `(__getattr__, __dir__)`: `__getattr__` raises `AttributeError` for a name
        not in `exports`; `__dir__` lists the namespace and every exported name.
    """
    package = namespace["__name__"]
    module_of = {name: module for module, names in exports.items() for name in names}

    def module_getattr(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    def module_dir() -> list[str]:
        return sorted(set(namespace) | set(module_of))

    return module_getattr, module_dir
