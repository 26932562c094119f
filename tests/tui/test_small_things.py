"""Small things a person meets on the way: a screenshot that says where it went or why it did
not, and the failing-gate prompt whole on a 60x20 terminal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.message import Message
from textual.notifications import Notify
from textual.widgets import Button, Input

import tui.app
from backends.clock import VirtualClock
from tests.helpers.tui_helpers import open_prompt, screen_lines
from tui.virtual_app import demo_app, settle


def told(into: list[str]) -> Callable[[Message], None]:
    def hook(message: Message) -> None:
        if isinstance(message, Notify):
            into.append(message.notification.message)

    return hook


async def test_a_screenshot_without_a_downloads_folder_lands_here_and_says_so(
    clock: VirtualClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tui.app, "user_downloads_dir", lambda: str(tmp_path / "no-such-folder"))
    monkeypatch.chdir(tmp_path)
    app, _ = demo_app(clock)
    said: list[str] = []
    async with app.run_test(size=(80, 24), message_hook=told(said)) as pilot:
        await settle(pilot, clock)
        app.action_save_screenshot()
        await pilot.pause()
        saved = list(tmp_path.glob("*.svg"))
        assert len(saved) == 1
        assert said[-1] == f"screenshot saved: {saved[0]}"


async def test_a_screenshot_that_cannot_be_written_says_why(
    clock: VirtualClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "gone"
    monkeypatch.setattr(tui.app, "screenshot_folder", lambda: missing)
    app, _ = demo_app(clock)
    said: list[str] = []
    async with app.run_test(size=(80, 24), message_hook=told(said)) as pilot:
        await settle(pilot, clock)
        app.action_save_screenshot()
        await pilot.pause()
        assert said[-1] == f"screenshot not saved in {missing}: No such file or directory"


async def test_the_failing_gate_prompt_fits_a_60x20_terminal(clock: VirtualClock) -> None:
    app, _ = demo_app(clock, "latency-regression")
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot, clock)
        prompt = await open_prompt(pilot)
        assert prompt.query_one("#typed", Input).display
        assert prompt.query_one("#reason", Input).display
        for widget in (*prompt.query(Button), *prompt.query(Input)):
            region = widget.region
            assert region.height >= 1 and region.bottom <= 20 and region.right <= 60, widget
        screen = "\n".join(screen_lines(app))
        assert "Cancel" in screen and "Promote" in screen
        assert "type checkout-api to promote anyway" in screen
        assert "why — recorded with your name" in screen
