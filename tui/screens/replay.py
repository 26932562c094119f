"""The watch screen over a recording: play, pause, and jump through it.

It is the watch screen itself, on a session that reads the recording, so a replay looks as the
watched rollout looked. A badge in the footer says that it is a replay, where it is, and how
fast it plays; space pauses, `[` and `]` jump a minute back or on, `{` and `}` ten.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from tui import format
from tui.messages import SessionUpdate
from tui.screens.watch import WatchScreen
from tui.session.replaying import Player
from tui.session.updates import Update
from tui.theme import theme_color

PALETTE_WIDTH = 14
"""The footer's right end, where the command palette's key is shown."""
TICK = 0.1
"""Wall-clock seconds between moves of the recording's clock while it plays."""


class ReplayWatch(WatchScreen):
    BINDINGS = [
        Binding(
            "space", "pause_play", "Pause", tooltip="Pause or go on playing.", id="replay-pause"
        ),
        Binding(
            "left_square_bracket",
            "jump(-60)",
            "-1m",
            tooltip="Jump a minute back.",
            id="replay-back",
        ),
        Binding(
            "right_square_bracket",
            "jump(60)",
            "+1m",
            tooltip="Jump a minute on.",
            id="replay-on",
        ),
        Binding("left_curly_bracket", "jump(-600)", "-10m", show=False, id="replay-back-more"),
        Binding("right_curly_bracket", "jump(600)", "+10m", show=False, id="replay-on-more"),
    ]
    DEFAULT_CSS = """
    ReplayWatch { layers: default overlay; }
    ReplayWatch #replay { position: absolute; layer: overlay; height: 1; width: auto;
        padding: 0 1; background: $warning-muted; color: $text; text-style: bold; }
    """

    def __init__(self, player: Player, *, speed: float = 1.0, at: float = 0.0) -> None:
        super().__init__(player.session)
        self.player = player
        self.speed = speed
        self._at = at
        """Where to start: a jump back starts a new player and runs it up to here."""

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield Static(id="replay")

    def on_mount(self) -> None:
        self.player.session.subscribe(self._forward)
        self.player.play()
        self.run_worker(self._begin(), name="replay", group="replay")

    async def _begin(self) -> None:
        if self._at:
            await self.player.advance(self._at)
        self._moved()
        self.set_interval(TICK, self._play)

    def _forward(self, update: Update) -> None:
        self.post_message(SessionUpdate(update))

    async def _play(self) -> None:
        if not self.player.paused and self.player.position < self.player.length:
            await self.player.advance(TICK * self.speed)
        self._moved()

    def _moved(self) -> None:
        """The recording's clock moved: its clocks on screen and the badge follow at once."""
        self._tick()
        self._show_badge()

    def _show_badge(self) -> None:
        player = self.player
        text = Text(no_wrap=True)
        state = "⏸" if player.paused else "▶"
        end = player.position >= player.length
        text.append(f"{state} replay ", "bold")
        text.append(
            f"{format.duration(player.position)} / {format.duration(player.length)}"
            f"{' (end)' if end else ''}  ×{self.speed:g}",
            theme_color(self.app, "foreground"),
        )
        badge = self.query_one("#replay", Static)
        badge.update(text)
        # In the footer's empty middle, left of the command palette's key.
        x = max(0, self.size.width - text.cell_len - 2 - PALETTE_WIDTH)
        badge.styles.offset = (x, max(0, self.size.height - 1))

    def action_pause_play(self) -> None:
        self.player.paused = not self.player.paused
        self._show_badge()

    async def action_jump(self, seconds: float) -> None:
        """On: run the recording forward at once. Back: start over and run up to there."""
        player = self.player
        target = min(max(0.0, player.position + seconds), player.length)
        if target >= player.position:
            await player.advance(target - player.position)
            self._moved()
            return
        again = player.rewound()
        again.paused = player.paused
        await self.app.switch_screen(ReplayWatch(again, speed=self.speed, at=target))

    async def on_unmount(self) -> None:
        await self.player.stop()
