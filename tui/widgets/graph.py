"""One series drawn as a graph, sending to the terminal only the cells that changed.

The widget keeps the picture it drew last (`tui.render`): new data draws a new picture, the
two are compared, and only the changed spans are refreshed, so a sample that adds a column
costs that column. A graph that is not on screen draws nothing until it is shown again; a
picture's lines become strips once and are reused until their cells or the theme change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.style import Style
from textual.geometry import Region
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from tui.render.picture import Ink, Picture, changed_spans
from tui.render.plot import Plot, draw
from tui.render.strips import to_strip
from tui.theme import theme_color

INKS = {Ink.AXIS: "foreground-muted", Ink.MARK: "foreground-muted", Ink.LIMIT: "error"}
"""The theme variable of every ink but the series' own."""


@dataclass(frozen=True)
class GraphData:
    """What one graph shows; the x and y ranges are chosen by its row (shared by the pair)."""

    points: Sequence[tuple[float, float]] = ()
    x_range: tuple[float, float] = (0.0, 1.0)
    y_range: tuple[float, float] = (0.0, 1.0)
    threshold: float | None = None
    markers: Sequence[float] = field(default_factory=tuple)
    """Times of the rollout's step changes, marked on every graph."""
    marker_names: Sequence[str] = field(default_factory=tuple)
    """Each step change's name, written beside its mark."""
    judged: float | None = None
    """The value the gate judges (the mean over its window), drawn as a dashed rule."""
    now: float | None = None
    """Where now falls in `x_range`: the time axis is told from it."""
    own_scale: bool = False
    """This graph has a scale of its own (a pair too far apart to share one): its ticks show."""

    def plot(self) -> Plot:
        return Plot(
            self.points,
            self.x_range,
            self.y_range,
            hlines=() if self.threshold is None else (self.threshold,),
            vlines=tuple(self.markers),
            vlabels=tuple(self.marker_names),
            dashes=() if self.judged is None else (self.judged,),
            now=self.now,
        )


class MetricGraph(Widget):
    """A graph of one series: braille with y ticks, or block bars when `compact`."""

    DEFAULT_CSS = """
    MetricGraph { width: 1fr; height: 1fr; }
    """

    compact: reactive[bool] = reactive(False)
    """Block bars instead of braille: for rows too short for a plot."""

    def __init__(self, color_variable: str, *, ticks: bool = True, id: str | None = None) -> None:
        super().__init__(id=id)
        self.color_variable = color_variable
        self.ticks = ticks
        """The right graph of a pair shares the left one's scale and leaves the ticks out,
        unless its data has a scale of its own (`GraphData.own_scale`)."""
        self._data = GraphData()
        self._version = 0
        self._picture: Picture = ()
        self._drawn: tuple[object, ...] | None = None
        """The (data version, size, compact) the picture was drawn for."""
        self._strips: dict[int, Strip] = {}
        self._theme: str | None = None
        self._palette: list[Style] = []
        self.draws = 0
        """How many pictures were drawn: a redraw with nothing new must not add one."""

    def show(self, data: GraphData) -> None:
        """Take new data; callers call this only when their data changed."""
        if data == self._data:
            return
        self._data = data
        self._version += 1
        if self._shown() and self._drawn is not None and self._drawn[1] == self.size:
            self._redraw_changes()
        else:
            self.refresh()

    def _shown(self) -> bool:
        """On a screen the user can see (the top one or one under a dialog), in view."""
        return self.screen.is_current and self.is_on_screen

    def watch_compact(self) -> None:
        self.refresh()

    def _redraw_changes(self) -> None:
        before = self._picture
        self._draw()
        spans = changed_spans(before, self._picture)
        for y, _, _ in spans:
            self._strips.pop(y, None)
        if spans:
            self.refresh(*(Region(start, y, end - start, 1) for y, start, end in spans))

    def _draw(self) -> None:
        width, height = self.size
        self._picture = draw(
            self._data.plot(),
            width,
            height,
            ticks=self.ticks or self._data.own_scale,
            compact=self.compact,
        )
        self._drawn = (self._version, self.size, self.compact)
        self.draws += 1

    def render_line(self, y: int) -> Strip:
        if self._drawn != (self._version, self.size, self.compact):
            self._draw()
            self._strips.clear()
        if self._theme != self.app.theme:
            self._theme = self.app.theme
            self._palette = self._make_palette()
            self._strips.clear()
        strip = self._strips.get(y)
        if strip is None:
            if y >= len(self._picture):
                return Strip.blank(self.size.width)
            strip = self._strips[y] = to_strip(self._picture[y], self._palette)
        return strip

    def _make_palette(self) -> list[Style]:
        palette = [Style()] * (max(Ink) + 1)
        for ink, variable in INKS.items():
            palette[ink] = Style(color=theme_color(self.app, variable) or None)
        palette[Ink.SERIES] = Style(color=theme_color(self.app, self.color_variable) or None)
        return palette
