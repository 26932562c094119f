"""Session updates carried into the Textual app as messages."""

from __future__ import annotations

from textual.message import Message

from tui.session.updates import MetricsChanged, Update


class SessionUpdate(Message):
    """One update from the session; consecutive metric updates coalesce into one redraw."""

    def __init__(self, update: Update) -> None:
        super().__init__()
        self.update = update

    def can_replace(self, message: Message) -> bool:
        return (
            isinstance(message, SessionUpdate)
            and isinstance(message.update, MetricsChanged)
            and isinstance(self.update, MetricsChanged)
            and message.update.names <= self.update.names
        )
