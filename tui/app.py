"""The Textual app: a thin shell that runs one session and shows its watch screen."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from platformdirs import user_downloads_dir
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from tui.config.ui import UiSettings
from tui.messages import SessionUpdate
from tui.screens.watch import WatchScreen
from tui.session.live import Session
from tui.session.updates import Update


def screenshot_folder() -> Path:
    """The user's downloads folder where there is one, else the folder rollwatch runs in."""
    downloads = Path(user_downloads_dir())
    return downloads if downloads.is_dir() else Path.cwd()


class RollwatchApp(App[None]):
    CSS_PATH = "rollwatch.tcss"
    TITLE = "rollwatch"
    COMMAND_PALETTE_BINDING = "ctrl+backslash"
    BINDINGS = [Binding("escape", "hide_help_panel", "Hide keys", show=False)]
    """Escape closes the Keys panel, as it closes every other panel and prompt."""

    def __init__(
        self, session: Session, *, ui: UiSettings | None = None, run_session: bool = True
    ) -> None:
        super().__init__()
        self.session = session
        self.ui = ui or UiSettings()
        self._run_session = run_session
        self._screen: WatchScreen | None = None

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Textual's commands, the watch screen's actions on offer, and a screenshot that says
        where it went (or why it did not)."""
        for command in super().get_system_commands(screen):
            if command.title != "Screenshot":
                yield command
        if isinstance(screen, WatchScreen):
            yield from screen.commands()
        yield SystemCommand(
            "Screenshot",
            "Save an SVG picture of the screen (downloads folder, else the current one)",
            lambda: self.set_timer(0.1, self.action_save_screenshot),
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "hide_help_panel":
            return bool(self.screen.query("HelpPanel"))
        return True

    def action_save_screenshot(self) -> None:
        folder = screenshot_folder()
        try:
            path = self.save_screenshot(path=str(folder))
        except OSError as error:
            reason = error.strerror or str(error)
            self.notify(
                f"screenshot not saved in {folder}: {reason}", severity="error", markup=False
            )
            return
        self.notify(f"screenshot saved: {path}", title="Screenshot", markup=False)

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
