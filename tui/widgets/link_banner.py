"""The banner over the graphs while a link to the outside is down: what fails, and that it is
being retried. It takes one line, two where one is too short, never more, and the screen's
layout makes room for exactly those lines, so nothing below it is pushed off the screen."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from backends.text_safety import printable

BANNER_MAX = 2


def banner_lines(message: str, width: int) -> int:
    """Lines a banner of `message` takes at `width` (one column of padding each side)."""
    if not message:
        return 0
    return 1 if len(message) <= max(1, width - 2) else BANNER_MAX


class LinkBanner(Static):
    DEFAULT_CSS = """
    LinkBanner {
        height: auto; max-height: 2; padding: 0 1; display: none;
        background: $error-muted; color: $text-error;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.message = ""

    def show(self, message: str) -> None:
        """`message` holds outside text: it is made printable and drawn as text, never markup."""
        self.message = printable(message)
        self.display = bool(message)
        self.refresh(layout=True)

    def render(self) -> Text:
        width = max(1, self.content_region.width)
        limit = width * BANNER_MAX
        message = self.message if len(self.message) <= limit else self.message[: limit - 1] + "…"
        return Text(message, overflow="fold")
