"""Font subsets shared by the PDF files a process writes.

A PDF embeds the subset of each font with the glyphs the file uses (TrueType, as the
paper style asks). Making a subset is fontTools parsing the font's tables: about a
third of a second per file, a fifth of the time of saving a figure as PDF. The figures
of a report use a few glyph sets over and over (digits, the names of methods and
benchmarks), so within `shared_font_subsets` the subset of a font for a set of glyphs
is made once per process and its bytes reused: each file is byte for byte what
matplotlib writes without it.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import threading
from collections.abc import Callable, Iterable, Iterator
from io import BytesIO
from types import ModuleType
from typing import Any

_MAX_SUBSETS = 64
_subsets: dict[tuple[str, int, frozenset[int]], tuple[bytes, dict[int, int]]] = {}
_lock = threading.RLock()


def _backend() -> ModuleType:
    """Matplotlib's font subsetting for PDF, imported when first needed (it imports
    fontTools: half a second)."""
    from matplotlib.backends import _backend_pdf_ps

    return _backend_pdf_ps


@functools.cache
def supported() -> bool:
    """Whether this matplotlib's PDF backend subsets fonts through the two functions
    that `shared_font_subsets` stands in for."""
    module: Any = _backend()
    try:
        subset = inspect.signature(module.get_glyphs_subset)
        as_file = inspect.signature(module.font_as_file)
    except (AttributeError, TypeError, ValueError):
        return False
    return (
        list(subset.parameters) == ["fontfile", "glyphs"]
        and list(as_file.parameters) == ["font"]
        and hasattr(module, "SubsetResults")
    )


class _SubsetBytes:
    """Stands for a subset font whose file is already known."""

    def __init__(self, data: bytes) -> None:
        self.data = data


@contextlib.contextmanager
def shared_font_subsets() -> Iterator[None]:
    """Within the block, PDF files saved by matplotlib reuse the font subsets made for
    earlier files of this process (only PDF: PostScript needs the font object itself).

    Without the matplotlib internals it stands in for, the block changes nothing.
    """
    if not supported():
        yield
        return
    module: Any = _backend()
    with _lock:
        original_subset, original_as_file = module.get_glyphs_subset, module.font_as_file
        module.get_glyphs_subset = _cached_subset(original_subset, original_as_file)
        module.font_as_file = _cached_as_file(original_as_file)
        try:
            yield
        finally:
            module.get_glyphs_subset, module.font_as_file = original_subset, original_as_file


def _cached_subset(
    original: Callable[[Any, Any], Any], as_file: Callable[[Any], BytesIO]
) -> Callable[[Any, Iterable[int]], contextlib.AbstractContextManager[Any]]:
    def get_glyphs_subset(fontfile: Any, glyphs: Iterable[int]) -> Any:
        requested = set(glyphs)
        key = (str(fontfile), int(getattr(fontfile, "face_index", 0)), frozenset(requested))
        if key not in _subsets:
            with original(fontfile, requested) as subset:
                data = as_file(subset.font).getvalue()
            if len(_subsets) >= _MAX_SUBSETS:
                del _subsets[next(iter(_subsets))]
            _subsets[key] = (data, dict(subset.glyph_index_map))
        data, index_map = _subsets[key]
        results = _backend().SubsetResults(_SubsetBytes(data), dict(index_map))
        return contextlib.nullcontext(results)

    return get_glyphs_subset


def _cached_as_file(original: Callable[[Any], BytesIO]) -> Callable[[Any], BytesIO]:
    def font_as_file(font: Any) -> BytesIO:
        if isinstance(font, _SubsetBytes):
            return BytesIO(font.data)
        return original(font)

    return font_as_file
