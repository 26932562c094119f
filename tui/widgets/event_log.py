"""The rollout's events, newest last, with who did what."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widgets import RichLog

from backends.model import EventLevel, RolloutEvent
from backends.text_safety import printable
from tui.theme import theme_color

STYLES = {
    EventLevel.INFO: "",
    EventLevel.WARNING: "warning",
    EventLevel.ACTION: "accent",
    EventLevel.GATE: "secondary",
}


class EventLog(RichLog):
    DEFAULT_CSS = """
    EventLog { height: 1fr; background: $surface; overflow-x: hidden; scrollbar-size: 0 0; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, max_lines=500, wrap=False, markup=False, auto_scroll=True)

    def add(self, events: Iterable[RolloutEvent]) -> None:
        for event in events:
            line = Text(no_wrap=True, overflow="ellipsis")
            line.append(event.time.strftime("%H:%M:%S "), "dim")
            line.append(printable(event.message), theme_color(self.app, STYLES[event.level]))
            if event.actor:
                line.append(f" ({printable(event.actor)})", "dim")
            self.write(line)
