"""The overview's rollout list: one line per rollout, drawn only where it is visible.

A list of two hundred rollouts that changes every few seconds must not rebuild two hundred rows:
this is a Line API widget, so a change costs a sort of plain rows and the redraw of the lines on
screen. Columns are laid out for the width there is; the service name takes what is left, up to
a width past which the eye would lose the row between the name and its numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from backends.model import GateStatus, Phase
from tui import format
from tui.session.overview import Row, Urgency
from tui.theme import theme_color

PHASE_COLORS = {
    Phase.PROGRESSING: "accent",
    Phase.PAUSED: "warning",
    Phase.HEALTHY: "success",
    Phase.DEGRADED: "error",
    Phase.ABORTED: "error",
    Phase.UNKNOWN: "foreground-muted",
}
VERDICT_COLORS = {
    GateStatus.PASS: "success",
    GateStatus.MARGINAL: "warning",
    GateStatus.FAIL: "error",
    GateStatus.PENDING: "foreground-muted",
}
NEED_COLORS = {"failing": "error", "degraded": "error"}
"""Needs that are breakage, drawn in the error colour; the others in the warning colour."""


@dataclass(frozen=True)
class Column:
    title: str
    width: int
    cell: Callable[[Row, datetime], tuple[str, str]]
    """The cell's text and its theme variable ("" for the plain foreground)."""
    right: bool = False
    wide: int = 0
    """The narrowest screen that shows this column."""


def _step(row: Row, now: datetime) -> tuple[str, str]:
    return format.position(row.summary.current_step, row.summary.step_count), ""


def _weight(row: Row, now: datetime) -> tuple[str, str]:
    weight = row.summary.canary_weight
    return (f"{weight:.0f}%" if row.summary.canary_revision else "—"), ""


def _phase(row: Row, now: datetime) -> tuple[str, str]:
    return row.summary.phase.value, PHASE_COLORS[row.summary.phase]


def _verdict(row: Row, now: datetime) -> tuple[str, str]:
    if row.verdict is None:
        return "—", "foreground-muted"
    return row.verdict.value, VERDICT_COLORS[row.verdict]


def _paused(row: Row, now: datetime) -> tuple[str, str]:
    pause = row.summary.pause
    if pause is None or row.summary.phase.finished:
        return "", ""
    return format.duration(now - pause.since), "warning" if pause.awaits_decision else ""


def _age(row: Row, now: datetime) -> tuple[str, str]:
    started = row.summary.started_at
    return (format.duration(now - started) if started else "—"), "foreground-muted"


COLUMNS = (
    Column("ROLLOUT", 0, lambda row, now: (row.summary.service, "")),
    Column("NAMESPACE", 11, lambda row, now: (row.summary.namespace or "", ""), wide=100),
    Column("STRATEGY", 10, lambda row, now: (row.summary.strategy, ""), wide=120),
    Column("STEP", 5, _step, right=True),
    Column("WEIGHT", 6, _weight, right=True),
    Column("PHASE", 11, _phase),
    Column("VERDICT", 8, _verdict),
    Column("AUTHOR", 12, lambda row, now: (row.summary.change.author or "—", "")),
    Column("PAUSED", 7, _paused, right=True),
    Column("AGE", 6, _age, right=True),
)
BOLD = Style(bold=True)
MARK = 2
"""The urgency mark and its gap, left of every row."""
MIN_NAME = 12
MAX_NAME = 40
"""Wider than most service names; past it the line's right end stays blank."""


@lru_cache(maxsize=8)
def layout(width: int) -> tuple[tuple[Column, int], ...]:
    """The columns that fit `width`, with their widths; the rollout's name takes the rest, up to
    MAX_NAME."""
    shown = [c for c in COLUMNS if width >= c.wide]
    fixed = sum(c.width + 1 for c in shown if c.width) + MARK
    name = min(MAX_NAME, max(MIN_NAME, width - fixed))
    return tuple((c, c.width or name) for c in shown)


class RolloutTable(ScrollView, can_focus=True):
    """Rows of rollouts under a header line; the cursor stays on its rollout as rows move."""

    DEFAULT_CSS = """
    RolloutTable { height: 1fr; scrollbar-size-vertical: 1; }
    RolloutTable > .rollout-table--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold;
    }
    """
    COMPONENT_CLASSES = {"rollout-table--cursor"}
    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding(
            "enter",
            "attach",
            "Attach",
            tooltip="Watch the rollout under the cursor.",
            id="attach",
        ),
    ]

    cursor: reactive[int] = reactive(0, repaint=False)
    """Index of the highlighted row in the rows shown."""

    class Highlighted(Message):
        """The cursor moved to another rollout (None: the list is empty)."""

        def __init__(self, row: Row | None) -> None:
            super().__init__()
            self.row = row

    class Chosen(Message):
        """The person asked to watch this rollout."""

        def __init__(self, rollout_id: str) -> None:
            super().__init__()
            self.rollout_id = rollout_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[Row] = []
        self._index: dict[str, int] = {}
        self._now: datetime | None = None
        self._palette: dict[str, Style] = {}
        self._palette_theme: str | None = None

    # what the screen gives

    def show(self, rows: Sequence[Row], now: datetime, changed: Collection[str] = ()) -> None:
        """Take the rows in order; redraw everything when the order moved, else the `changed`.

        The cursor stays on the rollout it was on, wherever that rollout moved.
        """
        self._now = now
        order = [row.id for row in rows]
        before = [row.id for row in self.rows]
        current = self.current
        self.rows = list(rows)
        if order != before:
            self._index = {rid: i for i, rid in enumerate(order)}
            self.virtual_size = Size(self.size.width, len(self.rows) + 1)
            if current is not None and current.id in self._index:
                self.cursor = self._index[current.id]
            else:
                self.cursor = min(self.cursor, max(0, len(self.rows) - 1))
        top = self.scroll_offset.y
        visible = slice(top, top + max(0, self.size.height - 1))
        if order[visible] != before[visible]:
            self.refresh()
        else:
            for rid in changed:
                if rid in self._index:
                    self._refresh_row(self._index[rid])
        self._tell_highlight()

    def tick(self, now: datetime) -> None:
        """Move the clocks on screen (paused-for, age): only the visible lines are drawn."""
        self._now = now
        self.refresh()

    @property
    def current(self) -> Row | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    # drawing

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            return self._header(width)
        index = self.scroll_offset.y + y - 1
        if not 0 <= index < len(self.rows) or self._now is None:
            return Strip.blank(width, self._color(""))
        return self._line(self.rows[index], width, index == self.cursor)

    def notify_style_update(self) -> None:
        self._palette.clear()
        super().notify_style_update()

    def _color(self, variable: str) -> Style:
        """A theme variable or the widget's own style as a Rich style, worked out once per theme.

        Worked out per line it was a third of a redraw's cost.
        """
        if self._palette_theme != self.app.theme:
            self._palette, self._palette_theme = {}, self.app.theme
        if variable == "":
            if "" not in self._palette:
                self._palette[""] = self.rich_style
            return self._palette[""]
        if variable not in self._palette:
            self._palette[variable] = Style(color=theme_color(self.app, variable) or None)
        return self._palette[variable]

    def _header(self, width: int) -> Strip:
        style = self._color("") + self._color("foreground-muted") + BOLD
        segments = [Segment(" " * MARK, style)]
        for column, size in layout(width):
            title = column.title.rjust(size) if column.right else column.title.ljust(size)
            segments.append(Segment(title[:size] + " ", style))
        return Strip(segments).crop_extend(0, width, style)

    def _line(self, row: Row, width: int, selected: bool) -> Strip:
        assert self._now is not None
        base = self._color("")
        if selected:
            cursor = self.get_component_rich_style("rollout-table--cursor")
            base = base + cursor if self.has_focus else base + Style(reverse=True)
        need = row.need
        mark_color = NEED_COLORS.get(need or "", "warning")
        mark = "▌ " if row.urgency == Urgency.NEEDS_YOU else "  "
        segments = [Segment(mark, base + self._color(mark_color))]
        for column, size in layout(width):
            text, variable = column.cell(row, self._now)
            text = text[:size]
            text = text.rjust(size) if column.right else text.ljust(size)
            style = base
            if variable and not selected:
                style = base + self._color(variable)
            if column.width == 0:
                style += BOLD
            segments.append(Segment(text + " ", style))
        return Strip(segments).crop_extend(0, width, base)

    def _refresh_row(self, index: int) -> None:
        y = index - self.scroll_offset.y + 1
        if 1 <= y < self.size.height:
            self.refresh_line(y)

    # moving

    def watch_cursor(self, old: int, new: int) -> None:
        self._refresh_row(old)
        self._refresh_row(new)
        self._scroll_to_cursor()
        self._tell_highlight()

    def _scroll_to_cursor(self) -> None:
        visible = max(1, self.size.height - 1)
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + visible:
            self.scroll_to(y=self.cursor - visible + 1, animate=False)

    def _tell_highlight(self) -> None:
        self.post_message(self.Highlighted(self.current))

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.rows) + 1)
        self.refresh()

    def on_focus(self) -> None:
        self._refresh_row(self.cursor)

    def on_blur(self) -> None:
        self._refresh_row(self.cursor)

    def action_cursor(self, delta: int) -> None:
        if self.rows:
            self.cursor = max(0, min(len(self.rows) - 1, self.cursor + delta))

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.size.height - 2))

    def action_jump(self, where: int) -> None:
        if self.rows:
            self.cursor = where % len(self.rows)

    def action_attach(self) -> None:
        if (current := self.current) is not None:
            self.post_message(self.Chosen(current.id))

    def on_click(self, event: Click) -> None:
        """A click moves the cursor; a click on the row under the cursor attaches to it."""
        index = self.scroll_offset.y + event.y - 1
        if event.y < 1 or not 0 <= index < len(self.rows):
            return
        if index == self.cursor:
            self.action_attach()
        else:
            self.cursor = index
