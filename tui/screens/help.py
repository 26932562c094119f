"""The keys, and what each one does: rows and notes are drawn as text, never as markup (a
key may be `[`)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", id="close-help")]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; background: $background; }
    HelpScreen > Vertical {
        width: 64; max-width: 95%; height: auto; padding: 1 2;
        border: thick $accent; background: $surface;
    }
    """

    def __init__(self, rows: list[tuple[str, str]], notes: str) -> None:
        super().__init__()
        self.rows = rows
        self._notes = notes

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        for key, description in self.rows:
            table.add_row(Text(key), Text(description))
        with Vertical():
            yield Static(Text("rollwatch keys\n", style="bold"))
            yield Static(table)
            yield Static(Text(f"\n{self._notes}"))

    def action_close(self) -> None:
        self.dismiss(None)
