"""SVG snapshots of the watch screen at pinned sizes, under the virtual clock.

Update them with `pytest tests/tui/test_snapshots.py --snapshot-update` after a deliberate change,
and look at the report before committing.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from backends.clock import VirtualClock
from tui.session.demo import START
from tui.virtual_app import demo_app, settle


@pytest.mark.parametrize("size", [(120, 36), (80, 24)], ids=["120x36", "80x24"])
@pytest.mark.parametrize("scenario", ["healthy", "latency-regression"])
def test_watch_screen(snap_compare, scenario: str, size: tuple[int, int]):
    clock = VirtualClock(START)
    app, _ = demo_app(clock, scenario)

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot, clock)
        await settle(pilot, clock, 20)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_confirm_prompt(snap_compare):
    clock = VirtualClock(START)
    app, _ = demo_app(clock)

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot, clock)
        await pilot.press("p")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
