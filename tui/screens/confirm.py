"""The confirm-to-proceed prompt: says exactly what will happen, acts only on a clear yes.

When the gates do not all pass (or the bake is not over), a yes is not enough: the user types
the service's name, as GitHub asks before deleting a repository, so a tired thumb on Enter
cannot promote a failing canary, and says why in one line, which the override's record keeps
beside their name (as `promote --override` does on the command line). The prompt is live
(`LivePrompt`): when what the yes depends on moves while it is open, it says what moved and
asks again; Enter then lands on Cancel, so a yes meant for the old picture is never taken for
the new one. The reason typed is kept: it answers why, not what was on screen.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from backends.text_safety import printable
from tui.screens.live_prompt import LivePrompt, PromptView
from tui.session.decisions import Confirmation, Refused, override_reason

SMALL_HEIGHT = 24
"""Below this many lines the inputs and buttons lose their borders, so all of them fit."""

ASK_REASON = "why — recorded with your name"


class ConfirmScreen(ModalScreen[Confirmation | None]):
    """Dismisses with the confirmation to carry out (typed name included), None on cancel."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without doing anything.", id="cancel"),
    ]

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 76; max-width: 100%; height: auto; max-height: 100%; padding: 0 1;
        border: thick $warning; background: $surface;
    }
    ConfirmScreen.danger > Vertical { border: thick $error; }
    ConfirmScreen #title { text-style: bold; }
    ConfirmScreen #body { height: auto; }
    ConfirmScreen #what { margin: 1 0 0 0; text-style: bold; }
    ConfirmScreen #details { margin: 1 0 0 0; }
    ConfirmScreen #notice { margin: 1 0 0 0; color: $text-warning; text-style: bold; }
    ConfirmScreen #answer { dock: bottom; height: auto; }
    ConfirmScreen Input { margin: 1 0 0 0; }
    ConfirmScreen #reason { margin: 0; }
    ConfirmScreen Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    ConfirmScreen Button { margin-left: 2; min-width: 12; }
    ConfirmScreen.-small #body > * { margin: 0; }
    ConfirmScreen.-small Input, ConfirmScreen.-small Horizontal { margin: 0; }
    """

    def __init__(self, prompt: LivePrompt) -> None:
        self.prompt = prompt
        view = prompt.view()
        super().__init__()
        self.AUTO_FOCUS = "#typed" if view.require_typed else "#confirm"  # type: ignore[misc]

    def compose(self) -> ComposeResult:
        view = self.prompt.view()
        with Vertical():
            yield Static(view.title, id="title", markup=False)
            with VerticalScroll(id="body"):
                yield Static(id="what")
                yield Static(id="details")
                yield Static(id="notice")
            with Vertical(id="answer"):
                yield Input(id="typed")
                # Marked invalid by a refused yes (the override rule), cleared by typing.
                yield Input(id="reason", placeholder=ASK_REASON, validate_on=())
                with Horizontal():
                    yield Button("Cancel", id="cancel")
                    yield Button(view.button, id="confirm")

    def on_mount(self) -> None:
        self._show(self.prompt.view(), fresh=bool(self.prompt.moved))
        self.on_resize()

    def on_resize(self) -> None:
        small = self.app.size.height < SMALL_HEIGHT
        self.set_class(small, "-small")
        for widget in (*self.query(Button), *self.query(Input)):
            widget.compact = small

    def follow(self) -> None:
        """The session moved on: show the prompt as it reads now, asking afresh if needed."""
        fresh = self.prompt.follow()
        if self.is_mounted:
            self._show(self.prompt.view(), fresh=fresh)

    def _show(self, view: PromptView, *, fresh: bool) -> None:
        self.query_one("#what", Static).update(view.what)
        details = self.query_one("#details", Static)
        details.display = view.details is not None
        details.update(view.details or "")
        notice = Text()
        if view.moved:
            notice.append(printable(f"Changed while open: {'; '.join(view.moved)}. Look again."))
        if view.blocked:
            notice.append(("\n" if view.moved else "") + printable(view.blocked))
        self.query_one("#notice", Static).update(notice)
        self.query_one("#notice").display = bool(notice)
        typed = self.query_one("#typed", Input)
        typed.display = view.require_typed is not None
        if view.require_typed:
            typed.placeholder = f"type {view.require_typed} to promote anyway"
        self.query_one("#reason", Input).display = view.require_typed is not None
        danger = view.danger or view.require_typed is not None
        self.set_class(danger, "danger")
        confirm = self.query_one("#confirm", Button)
        confirm.variant = "error" if danger else "warning"
        if fresh:
            typed.value = ""
        confirm.disabled = bool(view.blocked) or (
            view.require_typed is not None and typed.value != view.require_typed
        )
        if fresh:
            ask_typed = view.require_typed is not None and not view.blocked
            (typed if ask_typed else self.query_one("#cancel")).focus()

    @on(Input.Changed, "#typed")
    def _typed(self, event: Input.Changed) -> None:
        view = self.prompt.view()
        confirm = self.query_one("#confirm", Button)
        confirm.disabled = bool(view.blocked) or event.value != view.require_typed

    @on(Input.Submitted, "#typed")
    def _name_submitted(self, event: Input.Submitted) -> None:
        """The right name moves on to the reason; a wrong one stays where it is to be fixed."""
        event.stop()
        if not self.query_one("#confirm", Button).disabled:
            self.query_one("#reason", Input).focus()

    @on(Input.Submitted, "#reason")
    def _reason_submitted(self, event: Input.Submitted) -> None:
        """Enter on the reason is the yes; with the name still wrong, it points back there."""
        event.stop()
        if self.query_one("#confirm", Button).disabled:
            self.query_one("#typed", Input).focus()
        else:
            self._confirm()

    @on(Input.Changed, "#reason")
    def _reason_typed(self, event: Input.Changed) -> None:
        if event.value:
            event.input.placeholder = ASK_REASON
            event.input.remove_class("-invalid")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "confirm":
            self._confirm()
        else:
            self.dismiss(None)

    def _confirm(self) -> None:
        """The yes, checked against the clock at this instant: a change asks again instead."""
        if self.prompt.recheck():
            self._show(self.prompt.view(), fresh=True)
            return
        view = self.prompt.view()
        if view.blocked:
            return
        confirmation = self.prompt.confirmation
        if view.require_typed is not None:
            typed = self.query_one("#typed", Input)
            if typed.value != view.require_typed:
                typed.focus()
                return
            reason = self.query_one("#reason", Input)
            try:
                why = override_reason(reason.value)
            except Refused as refused:
                reason.value = ""
                reason.placeholder = str(refused)
                reason.add_class("-invalid")
                reason.focus()
                return
            confirmation = confirmation.with_typed(typed.value, why)
        self.dismiss(confirmation)

    def action_cancel(self) -> None:
        self.dismiss(None)
