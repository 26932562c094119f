"""`rollwatch replay`: a recording played back through a live session, on a clock of its own.

The replay adapter answers as the backends answered; the session judges with the settings the
recording kept, so the screens are those the recorded session showed. A player owns one session
and its virtual clock: playing moves the clock on by the wall clock times `speed`, a jump forward
moves it further at once, and a jump back starts a new player from the beginning and runs it up
to the moment asked for: a session cannot forget what it has seen.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from pathlib import Path

from backends.clock import VirtualClock
from backends.replay.adapter import Replay
from backends.replay.format import BadRecording, Header, read_lines
from tui.config.adapters import AdapterTable
from tui.config.errors import ConfigError
from tui.config.load import Config
from tui.config.ui import UiSettings
from tui.session.live import Session
from tui.session.wiring import Wiring, from_config

STEP = 10.0
"""Seconds of recording a jump runs at a time, so every poll inside it happens as recorded."""


def replay_config(path: Path) -> tuple[Config, Header]:
    """The settings the recording was judged with, its backends the recording itself.

    Raises:
        ConfigError: the file is not a recording, or its settings do not validate.
    """
    try:
        header = read_lines(path)[0]
    except BadRecording as error:
        raise ConfigError(str(error)) from None
    assert isinstance(header, Header)
    table = AdapterTable(kind="replay", options={"file": str(path)})
    settings = header.settings
    try:
        config = Config(
            deploy=table,
            metrics=table,
            metric=settings.get("metric", []),
            gate=settings.get("gate", []),
            judge=settings.get("judge", {}),
            ui=UiSettings(window=settings.get("window", UiSettings().window.total_seconds())),
        )
    except ValueError as error:
        raise ConfigError(f"{path}: the recorded settings do not validate: {error}") from None
    return config, header


class Player:
    """One session over the recording, and the clock it runs on."""

    def __init__(self, path: Path, rollout_id: str | None = None) -> None:
        self.config, self.header = replay_config(path)
        self.path = path
        self.start = self.header.t
        self.clock = VirtualClock(datetime.fromtimestamp(self.start, UTC))
        self.wiring: Wiring = from_config(self.config, self.clock)
        backend = self.wiring.deploy
        assert isinstance(backend, Replay)
        chosen = rollout_id or self.header.rollout or backend.first
        if chosen is None:
            raise ConfigError(f"{path}: the recording holds no rollout to replay")
        self.session: Session = self.wiring.session(chosen, read_only=True)
        self.paused = False
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    @property
    def rollout_id(self) -> str:
        return self.session.rollout_id

    @property
    def position(self) -> float:
        """Seconds since the recording began."""
        return self.clock.now().timestamp() - self.start

    @property
    def length(self) -> float:
        """Seconds from the recording's start to its last answer."""
        backend = self.wiring.deploy
        return backend.ends - self.start if isinstance(backend, Replay) else 0.0

    def play(self) -> None:
        """Start the session (once); the clock moves only through `advance`."""
        if self._task is None:
            self._task = asyncio.create_task(self.session.run(), name=f"replay {self.rollout_id}")

    async def advance(self, seconds: float) -> None:
        """Move the recording on by `seconds`, in steps no longer than a poll."""
        async with self._lock:
            left = max(0.0, seconds)
            while left > 0:
                step = min(STEP, left)
                await self.clock.advance(step)
                left -= step

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.wiring.aclose()

    def rewound(self) -> Player:
        """A new player at the recording's start, on the same rollout: what a jump back needs."""
        return Player(self.path, self.rollout_id)
