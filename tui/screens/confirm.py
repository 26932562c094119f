"""The confirm-to-proceed prompt: says exactly what will happen, acts only on a clear yes.

When the gates do not all pass (or the bake is not over), a yes is not enough: the user types
the service's name, as GitHub asks before deleting a repository, so a tired thumb on Enter
cannot promote a failing canary.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static


class ConfirmScreen(ModalScreen[str | None]):
    """Dismisses with what was typed ("" when nothing had to be) on confirm, None on cancel."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without doing anything.", id="cancel"),
    ]

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 76; max-width: 98%; height: auto; max-height: 98%; padding: 0 1;
        border: thick $warning; background: $surface;
    }
    ConfirmScreen.danger > Vertical { border: thick $error; }
    ConfirmScreen #title { text-style: bold; }
    ConfirmScreen #what { margin: 1 0 0 0; text-style: bold; }
    ConfirmScreen #details { margin: 1 0 0 0; }
    ConfirmScreen Input { margin: 1 0 0 0; }
    ConfirmScreen Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    ConfirmScreen Button { margin-left: 2; min-width: 12; }
    """

    def __init__(
        self,
        title: str,
        what: str,
        confirm_label: str,
        *,
        details: Text | None = None,
        require_typed: str | None = None,
        danger: bool = False,
    ) -> None:
        super().__init__(classes="danger" if danger else "")
        self._title = title
        self._what = what
        self._confirm_label = confirm_label
        self._details = details
        self._require = require_typed
        self._danger = danger
        self.AUTO_FOCUS = "#typed" if require_typed else "#confirm"  # type: ignore[misc]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._title, id="title")
            yield Static(self._what, id="what")
            if self._details is not None:
                yield Static(self._details, id="details")
            if self._require:
                yield Input(placeholder=f"type {self._require} to promote anyway", id="typed")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button(
                    self._confirm_label,
                    id="confirm",
                    variant="error" if self._danger or self._require else "warning",
                    disabled=bool(self._require),
                )

    @on(Input.Changed, "#typed")
    def _typed(self, event: Input.Changed) -> None:
        self.query_one("#confirm", Button).disabled = event.value != self._require

    @on(Input.Submitted, "#typed")
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value == self._require:
            self.dismiss(event.value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id != "confirm":
            self.dismiss(None)
        elif self._require:
            self.dismiss(self.query_one("#typed", Input).value)
        else:
            self.dismiss("")

    def action_cancel(self) -> None:
        self.dismiss(None)
