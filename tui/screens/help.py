"""The keys, and what each one does."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", id="close-help")]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 64; max-width: 95%; height: auto; padding: 1 2;
        border: thick $accent; background: $surface;
    }
    """

    def __init__(self, rows: list[tuple[str, str]], notes: str) -> None:
        super().__init__()
        self._rows = rows
        self._notes = notes

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        for key, description in self._rows:
            table.add_row(key, description)
        with Vertical():
            yield Static("[b]rollwatch keys[/b]\n")
            yield Static(table)
            yield Static(f"\n{self._notes}")

    def action_close(self) -> None:
        self.dismiss(None)
