"""The line over the graphs that names their columns: stable on the left, canary on the right,
and over the labels how much time the graphs span.

It is laid out by the same rules as the metric rows below it (a label column, then two graphs
of equal width), so each title sits over its graph at every terminal size; each title fits its
own column, dropping the revision before the weight when the column is narrow.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from backends.model import Revision
from backends.text_safety import printable
from tui import format
from tui.render.labels import span_label
from tui.theme import theme_color


class ColumnTitle(Static):
    """`stable 6cbccd9f99 95 %`, or `stable 95 %` where that does not fit."""

    DEFAULT_CSS = """
    ColumnTitle { width: 1fr; height: 1; padding: 0 1 0 0; }
    """

    def __init__(self, role: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.role = role
        self.revision: Revision | None = None

    def show(self, revision: Revision | None) -> None:
        self.revision = revision
        self.refresh()

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.revision is None:
            return text
        weight = format.weight(self.revision.weight)
        full = f"{self.role} {printable(format.revision(self.revision.id))} {weight}"
        short = f"{self.role} {weight}"
        fits = len(full) <= self.content_region.width
        text.append(full if fits else short, f"bold {theme_color(self.app, self.role)}")
        return text


class ColumnTitles(Horizontal):
    """A blank as wide as the metric labels, then one title per graph."""

    DEFAULT_CSS = """
    ColumnTitles { height: 1; }
    ColumnTitles > #pad { width: 20; height: 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="pad")
        yield ColumnTitle("stable", id="stable-title")
        yield ColumnTitle("canary", id="canary-title")

    def show(self, stable: Revision, canary: Revision | None) -> None:
        self.query_one("#stable-title", ColumnTitle).show(stable)
        self.query_one("#canary-title", ColumnTitle).show(canary)

    def show_span(self, seconds: float) -> None:
        """How much time the graphs below span, up to now: the time axis of rows too short
        to draw one."""
        pad = self.query_one("#pad", Static)
        pad.update(Text(f"{span_label(seconds)} → now ", style="dim", justify="right"))
