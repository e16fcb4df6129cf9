"""The figures' canvas (model/report/plots.py): sharing a renderer between figures of one
size must not change a pixel."""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from model.report.plots import DPI, FIGSIZE_INCHES, agg_figure


def draw(figure: Figure, title: str, values: list[float]) -> Figure:
    axes = figure.subplots()
    axes.plot(range(len(values)), values, label=title)
    axes.set_title(title)
    axes.set_xlabel("year")
    axes.legend()
    return figure


def png(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def test_a_shared_renderer_draws_the_same_png_as_a_fresh_canvas():
    """A figure drawn after another of the same size, with the renderer (and its cache of
    text extents) the first one left, is byte for byte the figure a new canvas draws."""
    fresh = Figure(figsize=FIGSIZE_INCHES, dpi=DPI)
    FigureCanvasAgg(fresh)
    expected = png(draw(fresh, "exits 2015", [3.0, 1.0, 2.0]))
    png(draw(agg_figure(), "a wider title, other ticks 20%", [10.0, 40.0, 25.0, 5.0]))
    shared = draw(agg_figure(), "exits 2015", [3.0, 1.0, 2.0])
    assert png(shared) == expected
