"""The rollout's events, newest last, with who did what.

Each event is written once: a screen opened on a session that already ran (one the overview
judged in the background) first shows what the session holds, and then the updates it had
queued meanwhile carry some of the same events again.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from datetime import datetime

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

    LINES = 500

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, max_lines=self.LINES, wrap=False, markup=False, auto_scroll=True)
        self._written: deque[tuple[datetime, str]] = deque(maxlen=self.LINES)

    def add(self, events: Iterable[RolloutEvent]) -> None:
        for event in events:
            key = (event.time, event.message)
            if key in self._written:
                continue
            self._written.append(key)
            line = Text(no_wrap=True, overflow="ellipsis")
            line.append(event.time.strftime("%H:%M:%S "), "dim")
            line.append(printable(event.message), theme_color(self.app, STYLES[event.level]))
            if event.actor:
                line.append(f" ({printable(event.actor)})", "dim")
            self.write(line)
