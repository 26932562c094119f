"""The Textual app: a thin shell that runs one session and shows its watch screen."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from tui.config.ui import UiSettings
from tui.messages import SessionUpdate
from tui.screens.watch import WatchScreen
from tui.session.live import Session
from tui.session.updates import Update


class RollwatchApp(App[None]):
    CSS_PATH = "rollwatch.tcss"
    TITLE = "rollwatch"
    COMMAND_PALETTE_BINDING = "ctrl+backslash"

    def __init__(
        self, session: Session, *, ui: UiSettings | None = None, run_session: bool = True
    ) -> None:
        super().__init__()
        self.session = session
        self.ui = ui or UiSettings()
        self._run_session = run_session
        self._screen: WatchScreen | None = None

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The watch screen's keys as commands, offered only where the key would work."""
        yield from super().get_system_commands(screen)
        if isinstance(screen, WatchScreen):
            for binding in screen.BINDINGS:
                if isinstance(binding, Binding) and screen.check_action(binding.action, ()):
                    action = getattr(screen, f"action_{binding.action}")
                    yield SystemCommand(binding.description, binding.tooltip, action)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """Role colours as theme variables, so a theme can recolour stable and canary."""
        return {"stable": "#5fafff", "canary": "#ffaf5f", "dependency": "#b0a0e0"}

    def on_mount(self) -> None:
        if self.ui.theme:
            self.theme = self.ui.theme
        self.set_keymap(self.ui.keys)
        self._screen = WatchScreen(self.session)
        self.push_screen(self._screen)
        self.session.subscribe(self._forward)
        if self._run_session:
            self.run_worker(self.session.run(), name="session", group="session")

    def _forward(self, update: Update) -> None:
        if self._screen is not None:
            self._screen.post_message(SessionUpdate(update))
