"""An outage on screen: the banner fits, nothing scrolls, the last gate stays visible, the log
tells the outage once and its end once, and an action that needs the lost link says so at once."""

from __future__ import annotations

import re

import pytest
from textual.message import Message
from textual.notifications import Notify

from backends.clock import VirtualClock
from tests.helpers.flaky import flaky_app
from tests.helpers.tui_helpers import screen_lines
from tui.app import RollwatchApp
from tui.screens.confirm import ConfirmScreen
from tui.virtual_app import settle
from tui.widgets.gates_panel import GatesPanel
from tui.widgets.link_banner import LinkBanner

GATES = ("p99 latency", "errors", "p50 latency", "error rate")


def check_layout(app: RollwatchApp, height: int) -> None:
    lines = screen_lines(app)
    assert len(lines) == height
    verdict = next(i for i, line in enumerate(lines) if "verdict" in line)
    for gate in GATES:
        assert any(gate in line for line in lines[verdict + 1 : -1]), f"{gate} on screen"
    assert "Quit" in lines[-1]
    assert app.screen.max_scroll_y == 0
    assert app.screen.query_one("#metrics").max_scroll_y == 0
    assert app.screen.query_one(GatesPanel).region.bottom <= height - 1


@pytest.mark.parametrize("size", [(80, 24), (60, 20), (120, 36)], ids=["80x24", "60x20", "120x36"])
async def test_a_store_outage_fits_and_is_told_once(
    clock: VirtualClock, size: tuple[int, int]
) -> None:
    app, _, store = flaky_app(clock)
    height = size[1]
    async with app.run_test(size=size) as pilot:
        await settle(pilot, clock)
        store.fail = True
        for _ in range(8):
            await settle(pilot, clock, 10)
            lines = screen_lines(app)
            region = app.screen.query_one(LinkBanner).region
            banner = lines[region.y : region.bottom]
            assert region.y == 3 and banner[0].lstrip().startswith("⚠ metrics: store down")
            assert 1 <= len(banner) <= 2
            message = "".join(line.strip() for line in banner)
            assert message.endswith(("retrying", "…")), "the banner is not cut mid-word"
            check_layout(app, height)
        store.fail = False
        await settle(pilot, clock, 120)
        assert not app.screen.query_one("#link").display
        check_layout(app, height)
        messages = [event.message for event in app.session.events]
        assert len([m for m in messages if m.startswith("metrics: store down")]) == 1
        recovered = [m for m in messages if m.startswith("metrics: recovered after")]
        assert len(recovered) == 1
        length = re.fullmatch(r"metrics: recovered after (\d+)m(\d\d)s", recovered[0])
        assert length is not None
        minutes, seconds = length.groups()
        assert 70 <= int(minutes) * 60 + int(seconds) <= 150, "the outage's length, from its start"


async def test_with_the_deploy_api_down_promote_says_so_at_once(clock: VirtualClock) -> None:
    app, deploy, _ = flaky_app(clock)
    said: list[str] = []

    def hook(message: Message) -> None:
        if isinstance(message, Notify):
            said.append(message.notification.message)

    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        await settle(pilot, clock)
        deploy.cut()
        await settle(pilot, clock, 40)
        assert app.session.links["deploy"] is not None
        await pilot.press("p")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen), "no prompt, no name to type first"
        assert said and said[-1].startswith("the deploy API is not answering")
        footer = screen_lines(app)[-1]
        assert "Promote" in footer, "offered (it comes back), but held back while the link is down"
