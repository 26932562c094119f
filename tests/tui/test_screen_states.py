"""SVG snapshots of the watch screen in the states a person must read at a glance: the prompt
over a failing gate, read-only mode, after an abort, during a metrics outage; at 80x24 and
120x36, on the virtual clock with a fixed seed and no blinking cursor.

Update them with `pytest tests/tui/test_screen_states.py --snapshot-update` after a deliberate
change, and look at every picture before committing.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from backends.clock import VirtualClock
from tests.helpers.flaky import flaky_app
from tests.helpers.tui_helpers import actions_done
from tui.session.demo import START
from tui.virtual_app import demo_app, settle

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])


@SIZES
def test_prompt_over_a_failing_gate(snap_compare, size: tuple[int, int]) -> None:
    clock = VirtualClock(START)
    app, _ = demo_app(clock, "latency-regression")

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot, clock, 20)
        await pilot.press("p")
        await pilot.pause()
        app.screen.query_one(Input).cursor_blink = False
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@SIZES
def test_read_only(snap_compare, size: tuple[int, int]) -> None:
    clock = VirtualClock(START)
    app, _ = demo_app(clock, read_only=True)

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot, clock, 20)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@SIZES
def test_after_an_abort(snap_compare, size: tuple[int, int]) -> None:

    clock = VirtualClock(START)
    app, _ = demo_app(clock, actor="tester")

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot, clock, 20)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("enter")
        await actions_done(app)
        await settle(pilot, clock, 20)
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@SIZES
def test_during_a_metrics_outage(snap_compare, size: tuple[int, int]) -> None:
    clock = VirtualClock(START)
    app, _, store = flaky_app(clock)

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot, clock, 20)
        store.fail = True
        await settle(pilot, clock, 30)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
