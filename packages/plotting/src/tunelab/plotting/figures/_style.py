"""Stable per-method line styles and the paper look of every figure.

A method keeps its colour, line style and marker in every figure of a report because
`method_styles` depends only on the list of methods (and the optional groups), never on
which subset a particular figure draws. No two methods share both colour and marker, so
every method can be told apart in print and under colour-vision deficiencies.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from tunelab.plotting.figures._fonts import shared_font_subsets
from tunelab.plotting.figures._legend import fast_best_location

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from tunelab.plotting.stats import Estimate

# Okabe & Ito (2008), "Color Universal Design": distinguishable under the common forms of
# colour-vision deficiency; the yellow is last because it is faint on white paper.
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#F0E442",
)
LINESTYLES: tuple[str, ...] = ("-", "--", "-.", ":")
# More markers than colours: a colour's second method gets another marker (see
# `method_styles`), so (colour, marker) stays unique up to len(PALETTE) * len(MARKERS).
MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")

_PAPER_RC: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "legend.frameon": True,
    "legend.framealpha": 0.85,
    "legend.edgecolor": "none",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#d9d9d9",
    "grid.linewidth": 0.5,
    "lines.linewidth": 1.3,
    "lines.markersize": 4,
    "figure.constrained_layout.use": True,
    "savefig.dpi": 300,
    "savefig.bbox": "tight",
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
}


@dataclass(frozen=True)
class LineStyle:
    """How one method is drawn.

    Attributes:
        color: Hex colour of its lines, markers and bands.
        linestyle: Matplotlib line style ("-", "--", "-." or ":").
        marker: Matplotlib marker symbol.
    """

    color: str
    linestyle: str
    marker: str


def method_styles(
    methods: Sequence[str], *, groups: Mapping[str, Sequence[str]] | None = None
) -> dict[str, LineStyle]:
    """Assign every method a colour, a line style and a marker, no two alike.

    The i-th method gets colour ``i % len(PALETTE)``: the first `len(PALETTE)` methods
    all have their own colour. Each further round of colours shifts the markers by one
    (marker ``(i % len(PALETTE) + i // len(PALETTE)) % len(MARKERS)``), so no two
    methods share both colour and marker, and without groups it also moves on to the
    next line style. With groups, all methods of one group share a line style (group
    order = mapping order; methods in no group come last, as one more group), and
    colour and marker keep the methods of a group apart.

    Args:
        methods: Method names; the same list always gets the same styles (figures pass the
            sorted methods of the whole frame so subsets keep their colours).
        groups: Optional group name -> member methods. Members absent from `methods` are
            ignored.

    Returns:
        Method name -> its `LineStyle`, in the order of `methods`.

    Raises:
        ValueError: `methods` repeats a name, a method belongs to two groups, or there are
            more methods than (colour, marker) pairs (`len(PALETTE) * len(MARKERS)`).
    """
    duplicates = sorted(m for m, n in Counter(methods).items() if n > 1)
    if duplicates:
        raise ValueError(f"method_styles: methods must be unique, repeated: {duplicates}")
    capacity = len(PALETTE) * len(MARKERS)
    if len(methods) > capacity:
        raise ValueError(
            f"method_styles: {len(methods)} methods, but only {capacity} can be told apart "
            "by colour and marker; select fewer methods for one figure"
        )
    group_of = _group_index(methods, groups or {})
    styles = {}
    for i, method in enumerate(methods):
        colour, round_ = i % len(PALETTE), i // len(PALETTE)
        style_index = group_of[method] if groups else round_
        styles[method] = LineStyle(
            color=PALETTE[colour],
            linestyle=LINESTYLES[style_index % len(LINESTYLES)],
            marker=MARKERS[(colour + round_) % len(MARKERS)],
        )
    return styles


def _group_index(methods: Sequence[str], groups: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """Method -> index of its group; ungrouped methods get the index after the last group."""
    index: dict[str, int] = {}
    for g, (name, members) in enumerate(groups.items()):
        for member in members:
            if member in index:
                raise ValueError(
                    f"method_styles: method {member!r} is in two groups (the second is {name!r})"
                )
            index[member] = g
    return {m: index.get(m, len(groups)) for m in methods}


@contextlib.contextmanager
def paper_style() -> Iterator[None]:
    """Temporarily apply the paper look to the matplotlib settings.

    Sans-serif 7-9 pt fonts, no top/right spines, a light grid, constrained layout,
    300 dpi PNG and TrueType (Type 42) fonts embedded in PDF, as conferences require.
    Figures built inside the block keep the look; the global settings are restored after.
    """
    with mpl.rc_context(cast(Any, _PAPER_RC)):
        yield


def style_for(ax: Axes | None) -> contextlib.AbstractContextManager[None]:
    """The paper style when a figure function creates its own axes, else no change."""
    return paper_style() if ax is None else contextlib.nullcontext()


def new_axes(ax: Axes | None, *, figsize: tuple[float, float] = (3.4, 2.4)) -> Axes:
    """`ax` itself, or the axes of a new figure of size `figsize` (inches)."""
    if ax is not None:
        return ax
    _, new = plt.subplots(figsize=figsize)
    return new


def save_figure(
    fig: Figure,
    stem: Path | str,
    formats: Sequence[str] = ("pdf", "png"),
    *,
    dpi: int = 300,
    png_compression: int | None = None,
) -> list[Path]:
    """Save `fig` once per format as ``<stem>.<format>``.

    Args:
        fig: The figure to save.
        stem: Path without the format suffix, e.g. ``out/curves``; missing folders are
            created.
        formats: File formats understood by matplotlib, e.g. "pdf", "png", "svg".
        dpi: Resolution of raster formats (and of rasterised parts of vector ones).
        png_compression: zlib level of PNG files (0-9); None: Pillow's default (6).
            Lower is faster and, for busy images, hardly larger.

    Returns:
        The written paths, in the order of `formats`.

    Raises:
        ValueError: `formats` is empty.
    """
    if not formats:
        raise ValueError("save_figure: formats is empty; expected e.g. ('pdf', 'png')")
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    with paper_style():
        for fmt in formats:
            fmt = fmt.lstrip(".")
            path = stem.with_name(f"{stem.name}.{fmt}")
            extra: dict[str, Any] = {}
            if fmt == "png" and png_compression is not None:
                extra["pil_kwargs"] = {"compress_level": png_compression}
            fonts = shared_font_subsets() if fmt == "pdf" else contextlib.nullcontext()
            with fonts:
                fig.savefig(path, format=fmt, dpi=dpi, **extra)
            paths.append(path)
    return paths


def resolve_styles(
    methods: Sequence[str], styles: Mapping[str, LineStyle] | None, *, where: str
) -> Mapping[str, LineStyle]:
    """`styles`, or `method_styles(sorted(methods))`; ValueError if a method has no style."""
    if styles is None:
        return method_styles(sorted(methods))
    missing = sorted(set(methods) - set(styles))
    if missing:
        raise ValueError(f"{where}: styles has no entry for method(s) {missing}")
    return styles


def shared_legend(fig: Figure, axes: Sequence[Axes], *, order: Sequence[str]) -> None:
    """One figure legend below the subplots with every method once, in `order`."""
    handles: dict[str, Artist] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    labels = [m for m in order if m in handles]
    fig.legend(
        [handles[m] for m in labels], labels, loc="outside lower center", ncol=min(len(labels), 5)
    )


def draw_line(
    ax: Axes, x: np.ndarray, y: np.ndarray, *, style: LineStyle, label: str, steps: bool = False
) -> None:
    """Draw one method's line in its style, with about six markers along it.

    Args:
        ax: Target axes.
        x: Shape (n,).
        y: Shape (n,).
        style: The method's style.
        label: Legend label of the line.
        steps: Draw a post-step function (performance profiles) instead of a polyline.
    """
    ax.plot(
        x,
        y,
        label=label,
        marker=style.marker,
        markevery=max(1, len(x) // 6),
        drawstyle="steps-post" if steps else "default",
        color=style.color,
        linestyle=style.linestyle,
    )


def draw_estimate(
    ax: Axes,
    x: np.ndarray,
    estimate: Estimate,
    *,
    style: LineStyle,
    label: str,
    steps: bool = False,
) -> None:
    """Draw a point-estimate line and, when finite, its interval as a translucent band.

    `estimate` holds the point, low and high of shape (n,) each; the other arguments are
    those of `draw_line`.
    """
    point = np.asarray(estimate.point, dtype=float)
    draw_line(ax, x, point, style=style, label=label, steps=steps)
    low = np.asarray(estimate.low, dtype=float)
    high = np.asarray(estimate.high, dtype=float)
    if np.isfinite(low).any() and np.isfinite(high).any():
        ax.fill_between(
            x, low, high, color=style.color, alpha=0.2, linewidth=0, step="post" if steps else None
        )


@dataclass(frozen=True)
class AxesOptions:
    """Title, log scales and limits of one axes as the figure's caller chose them.

    Figures pass them on whole to `finish_axes`.

    Attributes:
        title: Axes title; none when None or empty.
        log_x: Logarithmic x axis.
        log_y: Logarithmic y axis.
        xlim: Optional x limits.
        ylim: Optional y limits.
    """

    title: str | None = None
    log_x: bool = False
    log_y: bool = False
    xlim: tuple[float, float] | None = None
    ylim: tuple[float, float] | None = None


def finish_axes(
    ax: Axes,
    *,
    xlabel: str,
    ylabel: str,
    options: AxesOptions,
    legend: bool = True,
) -> None:
    """Labels, title, log scales, limits and legend, applied in one place for every figure."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if options.title:
        ax.set_title(options.title)
    if options.log_x:
        ax.set_xscale("log")
    if options.log_y:
        ax.set_yscale("log")
    if options.xlim is not None:
        ax.set_xlim(*options.xlim)
    if options.ylim is not None:
        ax.set_ylim(*options.ylim)
    if legend and ax.get_legend_handles_labels()[0]:
        place_legend(ax)


def place_legend(ax: Axes, *, inside_up_to: int = 6) -> None:
    """A legend inside the axes for a few entries, to the right of them for more,
    where it cannot hide the curves."""
    handles, _ = ax.get_legend_handles_labels()
    if len(handles) <= inside_up_to:
        fast_best_location(ax.legend())
    else:
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
