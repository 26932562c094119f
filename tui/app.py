"""The Textual app: a thin shell that shows one session's watch screen, or starts at a home
screen that runs its own work: the overview of every rollout, or a replay."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from platformdirs import user_downloads_dir
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from tui.alerts import alert
from tui.config.ui import UiSettings
from tui.messages import SessionUpdate
from tui.screens.overview import OverviewScreen
from tui.screens.replay import ReplayWatch
from tui.screens.watch import WatchScreen
from tui.session.live import Session
from tui.session.notices import Notice, Notices
from tui.session.overview import Overview
from tui.session.replaying import Player
from tui.session.updates import Update


def screenshot_folder() -> Path:
    """The user's downloads folder where there is one, else the folder rollwatch runs in."""
    downloads = Path(user_downloads_dir())
    return downloads if downloads.is_dir() else Path.cwd()


class RollwatchApp(App[None]):
    CSS_PATH = "rollwatch.tcss"
    TITLE = "rollwatch"
    COMMAND_PALETTE_BINDING = "ctrl+backslash"
    BINDINGS = [
        Binding("escape", "hide_help_panel", "Hide keys", show=False),
        Binding(
            "o",
            "open_change",
            "Open change",
            tooltip="Open the rollout's change (its pull request) in the browser.",
            show=False,
            id="open-change",
        ),
    ]
    """Escape closes the Keys panel, as it closes every other panel and prompt; `o` opens the
    watched rollout's change, where the deploy system names one."""

    def __init__(
        self,
        session: Session | None = None,
        *,
        ui: UiSettings | None = None,
        run_session: bool = True,
        home: Callable[[], Screen[None]] | None = None,
    ) -> None:
        """One `session` on its watch screen, or a `home` screen that runs its own sessions."""
        super().__init__()
        self.session = session
        self.ui = ui or UiSettings()
        self._run_session = run_session
        self._home = home
        self._screen: WatchScreen | None = None

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Textual's commands, the watch screen's actions on offer, and a screenshot that says
        where it went (or why it did not)."""
        for command in super().get_system_commands(screen):
            if command.title != "Screenshot":
                yield command
        if isinstance(screen, WatchScreen):
            yield from screen.commands()
            if self._change_url() is not None:
                yield SystemCommand(
                    "Open the change",
                    "Open the rollout's change (its pull request) in the browser",
                    self.action_open_change,
                )
        yield SystemCommand(
            "Screenshot",
            "Save an SVG picture of the screen (downloads folder, else the current one)",
            lambda: self.set_timer(0.1, self.action_save_screenshot),
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "hide_help_panel":
            return bool(self.screen.query("HelpPanel"))
        if action == "open_change":
            return self._change_url() is not None
        return True

    def _change_url(self) -> str | None:
        screen = self.screen
        if isinstance(screen, WatchScreen) and screen.session.rollout is not None:
            return screen.session.rollout.change.url
        return None

    def action_open_change(self) -> None:
        """The change's page in the browser: the terminal's, or the one showing `serve`."""
        url = self._change_url()
        if url is not None:
            self.open_url(url)
            self.notify(url, title="Opening the change", markup=False)

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
        if self._home is not None:
            self.push_screen(self._home())
            return
        assert self.session is not None, "an app without a home screen shows a session"
        self._screen = WatchScreen(self.session)
        self.push_screen(self._screen)
        self.session.subscribe(self._forward)
        if self._run_session:
            self.session.subscribe(Notices(self.session, self._alert, already=False))
            self.run_worker(self.session.run(), name="session", group="session")

    def _alert(self, notice: Notice) -> None:
        alert(self, notice, bell=self.ui.bell)

    def _forward(self, update: Update) -> None:
        if self._screen is not None:
            self._screen.post_message(SessionUpdate(update))


def overview_app(
    overview: Overview,
    open_session: Callable[[str], Session],
    *,
    ui: UiSettings | None = None,
    read_only: bool = False,
) -> RollwatchApp:
    """The app on the overview of every rollout; each one opened gets its session."""
    settings = ui or UiSettings()
    return RollwatchApp(
        ui=settings,
        home=lambda: OverviewScreen(
            overview,
            open_session,
            bell=settings.bell,
            read_only=read_only or settings.read_only,
        ),
    )


def replay_app(player: Player, *, speed: float, ui: UiSettings | None = None) -> RollwatchApp:
    """The app on a recording, played `speed` times as fast as it was recorded."""
    return RollwatchApp(ui=ui, home=lambda: ReplayWatch(player, speed=speed))
