"""A legend at matplotlib's "best" location, found without a Python loop over every line.

For ``loc="best"`` matplotlib scores up to nine candidate boxes by the data vertices
inside each and the lines crossing it, with one small numpy call per line and box, and
it does so several times per saved figure (constrained layout, the tight bounding box,
the drawing itself). A learning-curve figure of a thousand trials spent about a second
per file on it. `fast_best_location` gives a legend a scorer that counts the same things
with a few array operations over all lines at once, and asks matplotlib's own segment
test only about the lines that pass near a box's edge: the legend lands exactly where
matplotlib would put it.

One difference, on purpose: the segments of a `LineCollection` count as lines (as if
each were a `Line2D`), where matplotlib counts only a collection's offsets and would put
the legend over curves drawn as one collection (the trials of a learning-curve figure).
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from types import MethodType
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.legend import Legend
from matplotlib.path import Path
from matplotlib.transforms import Bbox

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.transforms import Transform

# Closer to a box's edge than this (relative to the coordinates involved) a line is
# handed to matplotlib's segment test: far above the rounding error of that test.
_RELATIVE_MARGIN = 1e-8


def _private_api_matches() -> bool:
    """Whether this matplotlib's legend has the internals the fast scorer stands in for."""
    legend: Any = Legend
    try:
        best = inspect.signature(legend._find_best_position)
        data = inspect.signature(legend._auto_legend_data)
    except (AttributeError, TypeError, ValueError):
        return False
    return (
        list(best.parameters) == ["self", "width", "height", "renderer"]
        and list(data.parameters) == ["self", "renderer"]
        and hasattr(legend, "_get_anchored_bbox")
        and hasattr(legend, "codes")
    )


_SUPPORTED = _private_api_matches()


def fast_best_location(legend: Legend) -> Legend:
    """Let `legend` find its "best" location quickly, at the same place.

    Only the search for ``loc="best"`` changes; a legend with another location is not
    affected. With a matplotlib whose legend internals differ from those this stands in
    for, `legend` keeps matplotlib's own search.

    Returns:
        `legend` itself.
    """
    if _SUPPORTED:
        target: Any = legend
        target._find_best_position = MethodType(_find_best_position, legend)
    return legend


def _find_best_position(
    self: Legend, width: float, height: float, renderer: RendererBase
) -> tuple[float, float]:
    """Matplotlib's `Legend._find_best_position`, scored over all lines at once.

    The badness of a candidate box is, as in matplotlib: vertices of lines strictly
    inside it, collection offsets inside it, patch and text boxes overlapping it, and
    lines crossing it. The first box without any wins, else the least bad one (the
    lower location code on a tie).
    """
    legend: Any = self  # private matplotlib attributes, checked by `_private_api_matches`
    axes = legend.parent
    collections = [c for c in axes.collections if isinstance(c, LineCollection)]
    if _only_lines(axes):  # e.g. learning curves: no patch, text or offset to score
        bboxes, offsets = [], []
        obstacles = _Lines.of_paths(_line_paths(axes, collections))
    else:
        bboxes, paths, offsets = legend._auto_legend_data(renderer)
        paths += [t.transform_path(p) for p, t in _line_paths(axes, collections, lines=False)]
        obstacles = _Lines([p.vertices for p in paths], [p.codes for p in paths])
    size = Bbox.from_bounds(0, 0, width, height)
    candidates = []
    for code in range(1, len(legend.codes)):
        left, bottom = legend._get_anchored_bbox(code, size, legend.get_bbox_to_anchor(), renderer)
        box = Bbox.from_bounds(left, bottom, width, height)
        badness = (
            obstacles.vertices_inside(box)
            + box.count_contains(offsets)
            + box.count_overlaps(bboxes)
            + obstacles.crossing(box)
        )
        candidates.append((badness, code, (left, bottom)))
        if badness == 0:
            break
    _, _, (left, bottom) = min(candidates)
    return left, bottom


def _only_lines(axes: Axes) -> bool:
    """Whether every artist of `axes` is a line or a collection of lines without offsets
    (the lists below partition its artists)."""
    others = (axes.patches, axes.texts, axes.images, axes.tables, axes.artists)
    return not any(len(artists) for artists in others) and all(
        isinstance(c, LineCollection) and not np.any(np.asarray(c.get_offsets()))
        for c in axes.collections
    )


def _line_paths(
    axes: Axes, collections: Sequence[LineCollection], *, lines: bool = True
) -> list[tuple[Path, Transform]]:
    """(path, transform) of each line of `axes` (unless `lines` is False) and of each
    segment of `collections`: transformed, the paths as drawn."""
    pairs = [(line.get_path(), line.get_transform()) for line in axes.lines] if lines else []
    for collection in collections:
        transform = collection.get_transform()
        pairs += [(path, transform) for path in collection.get_paths()]
    return pairs


class _Lines:
    """The paths a legend must avoid, in display coordinates: one vertex array, with the
    bounds of each path.

    Args:
        vertices: Each path's vertices, shape (n_i, 2).
        codes: Each path's codes (None for a polyline).
    """

    def __init__(self, vertices: Sequence[np.ndarray], codes: Sequence[np.ndarray | None]) -> None:
        arrays = [np.asarray(v, dtype=float).reshape(-1, 2) for v in vertices]
        self.codes = list(codes)
        sizes = np.array([len(a) for a in arrays], dtype=int)
        self.sizes = sizes
        self.starts = np.cumsum(sizes) - sizes
        self.vertices = np.concatenate(arrays) if arrays else np.empty((0, 2))
        self.owner = np.repeat(np.arange(len(arrays)), sizes)
        n = len(arrays)
        finite = np.isfinite(self.vertices).all(axis=1)
        has_vertices = sizes > 0
        # a path with a non-finite vertex, or with codes (curves, closed polygons whose
        # closing vertex is not drawn), is always asked of matplotlib's own test
        plain = np.array([c is None for c in self.codes], dtype=bool)
        self.simple = plain & (np.bincount(self.owner[~finite], minlength=n) == 0)
        self.low = np.full((n, 2), np.nan)
        self.high = np.full((n, 2), np.nan)
        if has_vertices.any():
            starts = self.starts[has_vertices]
            with np.errstate(invalid="ignore"):
                self.low[has_vertices] = np.minimum.reduceat(self.vertices, starts)
                self.high[has_vertices] = np.maximum.reduceat(self.vertices, starts)
        self.empty = ~has_vertices
        self.finite_bounds = np.isfinite(self.low).all(axis=1) & np.isfinite(self.high).all(axis=1)

    @classmethod
    def of_paths(cls, pairs: Sequence[tuple[Path, Transform]]) -> _Lines:
        """The paths in display coordinates, as `Legend._auto_legend_data` gives them
        (``transform.transform_path(path)``), with one transformation per transform
        instead of one per path: a transform maps each point on its own, so the
        coordinates are the same."""
        paths = [path for path, _ in pairs]
        groups: dict[int, tuple[Transform, list[int]]] = {}
        for i, (_, transform) in enumerate(pairs):
            groups.setdefault(id(transform), (transform, []))[1].append(i)
        vertices: list[np.ndarray] = [np.empty((0, 2))] * len(paths)
        for transform, members in groups.values():
            raw = [np.asarray(paths[i].vertices) for i in members]
            if not sum(len(v) for v in raw):
                continue  # only empty lines: nothing to transform
            done = transform.transform(np.concatenate(raw))
            ends = np.cumsum([len(v) for v in raw])
            for i, part in zip(members, np.split(done, ends[:-1]), strict=True):
                vertices[i] = part
        return cls(vertices, [None if p.codes is None else np.asarray(p.codes) for p in paths])

    def path(self, i: int) -> Path:
        """Path `i`, to ask matplotlib's own test about."""
        start = self.starts[i]
        return Path(self.vertices[start : start + self.sizes[i]], self.codes[i])

    def vertices_inside(self, box: Bbox) -> int:
        """Vertices strictly inside `box`, summed over all paths (`Bbox.count_contains`)."""
        if not len(self.vertices):
            return 0
        with np.errstate(invalid="ignore"):
            inside = ((box.min < self.vertices) & (self.vertices < box.max)).all(axis=1)
        return int(inside.sum())

    def crossing(self, box: Bbox) -> int:
        """Paths that intersect `box` (`Path.intersects_bbox(box, filled=False)`).

        A path whose bounds lie clear of the box cannot meet it, and a polyline with a
        vertex clear inside it does; only the others are asked of matplotlib.
        """
        n = len(self.codes)
        if n == 0:
            return 0
        corners = np.abs([box.x0, box.y0, box.x1, box.y1]).max()
        with np.errstate(invalid="ignore"):
            scale = np.maximum(np.abs(self.low), np.abs(self.high)).max(axis=1)
        margin = _RELATIVE_MARGIN * (1.0 + corners + np.nan_to_num(scale, nan=0.0))
        low, high = self.low, self.high
        clear = self.finite_bounds & (
            (high[:, 0] < box.x0 - margin)
            | (low[:, 0] > box.x1 + margin)
            | (high[:, 1] < box.y0 - margin)
            | (low[:, 1] > box.y1 + margin)
        )
        margin_of_vertex = margin[self.owner][:, None]
        with np.errstate(invalid="ignore"):
            deep = (
                (self.vertices > box.min + margin_of_vertex)
                & (self.vertices < box.max - margin_of_vertex)
            ).all(axis=1)
        hit = self.simple & (np.bincount(self.owner[deep], minlength=n) > 0)
        settled = clear | hit | self.empty
        asked = sum(
            bool(self.path(int(i)).intersects_bbox(box, filled=False))
            for i in np.flatnonzero(~settled)
        )
        return int(hit.sum()) + asked
