"""One series drawn as a graph, behind a renderer that can change.

Drawing is the costliest thing the app does (a plotext build of a 76x14 plot with 600 points
takes ~25 ms, and turning its ANSI into Textual text as much again), so the widget draws only
when its data, size or theme changed and hands back the cached text otherwise. Two renderers
share one interface: plotext's braille plot for roomy terminals, block bars for small ones.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.style import Style
from rich.text import Text
from textual.app import RenderResult
from textual.color import Color
from textual.reactive import reactive
from textual_plotext import PlotextPlot

from tui.theme import theme_color

_BLOCKS = " ▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class GraphData:
    """What one graph shows; the x and y ranges are shared with the graph beside it."""

    points: Sequence[tuple[float, float]] = ()
    x_range: tuple[float, float] = (0.0, 1.0)
    y_range: tuple[float, float] = (0.0, 1.0)
    threshold: float | None = None
    markers: Sequence[float] = field(default_factory=tuple)
    """Times of the rollout's step changes, drawn on dependency graphs."""


def finite(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    return [(t, v) for t, v in points if math.isfinite(v)]


def spark_text(data: GraphData, width: int, height: int, color: str) -> Text:
    """Block bars, one column per time bucket, on the shared y-scale."""
    text = Text(no_wrap=True, overflow="crop")
    if width <= 0 or height <= 0:
        return text
    x0, x1 = data.x_range
    y0, y1 = data.y_range
    span_x = max(x1 - x0, 1e-9)
    span_y = max(y1 - y0, 1e-9)
    columns: list[list[float]] = [[] for _ in range(width)]
    for t, v in finite(data.points):
        col = int((t - x0) / span_x * (width - 1) + 0.5)
        if 0 <= col < width:
            columns[col].append(v)
    _fill_gaps(columns)
    levels = height * 8
    heights = [
        None if not values else max(1, round((max(values) - y0) / span_y * levels))
        for values in columns
    ]
    style = Style(color=color)
    for row in range(height - 1, -1, -1):
        line = []
        for h in heights:
            if h is None:
                line.append(" ")
            else:
                line.append(_BLOCKS[min(8, max(0, h - row * 8))])
        text.append("".join(line), style)
        if row:
            text.append("\n")
    return text


def _fill_gaps(columns: list[list[float]]) -> None:
    """Columns between two samples repeat the earlier one, so sparse data reads as a line.

    Gaps longer than a few columns stay empty: missing data must look missing.
    """
    filled = [i for i, values in enumerate(columns) if values]
    if len(filled) < 2:
        return
    spacing = sorted(b - a for a, b in itertools.pairwise(filled))[len(filled) // 2 - 1]
    for a, b in itertools.pairwise(filled):
        if b - a <= 2 * spacing:
            for i in range(a + 1, b):
                columns[i] = columns[a]


class MetricGraph(PlotextPlot):
    """A graph of one series; `compact` switches from plotext to block bars."""

    DEFAULT_CSS = """
    MetricGraph { width: 1fr; height: 1fr; }
    """

    compact: reactive[bool] = reactive(False)

    def __init__(self, color_variable: str, *, ticks: bool = True, id: str | None = None) -> None:
        super().__init__(id=id)
        self.color_variable = color_variable
        self.ticks = ticks
        """The right graph of a pair shares the left one's scale and leaves the ticks out."""
        self._data = GraphData()
        self._version = 0
        self._cache_key: tuple[object, ...] | None = None
        self._cache: Text = Text()
        self.draws = 0
        """How many times the graph was actually drawn (not served from the cache)."""

    def show(self, data: GraphData) -> None:
        """Draw new data; callers call this only when their data changed."""
        self._data = data
        self._version += 1
        self.refresh()

    def _color(self) -> str:
        return theme_color(self.app, self.color_variable) or "#c0c0c0"

    def render(self) -> RenderResult:
        width, height = self.size
        key = (self._version, width, height, self.app.theme, self.compact)
        if key != self._cache_key:
            self._cache_key = key
            self._cache = self._draw(width, height)
            self.draws += 1
        return self._cache

    def _draw(self, width: int, height: int) -> Text:
        color = self._color()
        if self.compact or height < 5:
            return spark_text(self._data, width, height, color)
        return self._braille(width, height, color)

    def _braille(self, width: int, height: int, color: str) -> Text:
        plt = self.plt
        plt.clear_data()
        plt.plotsize(width, height)
        plt._set_size(width, height)
        plt.theme(self._get_plotext_theme_name(self.app.theme))
        plt.frame(False)
        plt.xticks([])
        x0, x1 = self._data.x_range
        y0, y1 = self._data.y_range
        plt.xlim(x0, x1)
        plt.ylim(y0, y1)
        if self.ticks:
            plt.yticks([y0, (y0 + y1) / 2, y1], [_tick(y0), _tick((y0 + y1) / 2), _tick(y1)])
        else:
            plt.yticks([])
        rgb = Color.parse(color).rgb
        for marker in self._data.markers:
            plt.vline(marker, "gray")
        if self._data.threshold is not None:
            plt.hline(self._data.threshold, (200, 60, 60))
        points = finite(self._data.points)
        if points:
            plt.plot([t for t, _ in points], [v for _, v in points], marker="braille", color=rgb)
        return Text.from_ansi(plt.build(), no_wrap=True)


def _tick(value: float) -> str:
    magnitude = abs(value)
    if magnitude >= 10_000:
        return f"{value / 1000:.0f}k"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"
