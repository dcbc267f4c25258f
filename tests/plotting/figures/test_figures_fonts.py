"""shared_font_subsets: PDFs reuse the font subsets of earlier files, byte for byte."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import matplotlib.pyplot as plt
import pytest
from matplotlib.backends import _backend_pdf_ps
from matplotlib.figure import Figure

from tunelab.plotting.figures import _fonts, paper_style


def figure(title: str) -> Figure:
    with paper_style():
        fig, ax = plt.subplots(figsize=(3.0, 2.0))
        ax.plot([0, 1, 2], [3, 1, 2], label="method")
        ax.set_title(title)
        ax.legend()
    return fig


def pdf(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    with paper_style():
        fig.savefig(buffer, format="pdf")
    return buffer.getvalue()


def test_the_matplotlib_internals_it_stands_in_for_are_present() -> None:
    # without them every PDF silently makes its font subsets again
    assert _fonts.supported()


def test_pdfs_are_byte_for_byte_those_matplotlib_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")  # PDFs without the time they were made
    monkeypatch.setattr(_fonts, "_subsets", {})
    calls: list[frozenset[int]] = []
    subset = _backend_pdf_ps.get_glyphs_subset

    def counted(fontfile: Any, glyphs: Iterable[int]) -> Any:
        requested = set(glyphs)
        calls.append(frozenset(requested))
        return subset(fontfile, requested)

    monkeypatch.setattr(_backend_pdf_ps, "get_glyphs_subset", counted)
    figures = [figure("bench 1"), figure("bench 2"), figure("bench 1"), figure("other glyphs")]
    expected = [pdf(fig) for fig in figures]
    assert len(calls) == 4
    with _fonts.shared_font_subsets():
        shared = [pdf(fig) for fig in figures]
    assert shared == expected
    assert len(calls) == 4 + 2  # "bench 1" and "bench 2" use the same glyphs
    assert _backend_pdf_ps.get_glyphs_subset is counted  # put back after the block
    for fig in figures:
        plt.close(fig)
