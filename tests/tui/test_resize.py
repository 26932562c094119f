"""Every part of the watch screen follows the terminal's size, read back as a person reads it.

Pilot resizes the app on the virtual clock; a second test runs the real command in tmux and
resizes the window, since a terminal's resize is what went wrong before (titles laid out once).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from backends.clock import VirtualClock
from tests.helpers.tui_helpers import screen_lines
from tui.screens.layout import COMPACT_HEIGHT, COMPACT_WIDTH
from tui.virtual_app import demo_app, settle
from tui.widgets.gates_panel import GatesPanel
from tui.widgets.metric_row import MetricRow

SIZES = [(80, 24), (120, 36), (160, 48), (80, 24), (60, 20)]
GATES = ("p99 latency", "errors", "p50 latency", "error rate")


def label_width(width: int, height: int) -> int:
    """The metric labels' column: 16 on small terminals, 20 on the others (the stylesheet's)."""
    return 16 if width < COMPACT_WIDTH or height < COMPACT_HEIGHT else 20


def canary_column(width: int, height: int) -> int:
    """Where the canary's graph starts: after the labels and the stable graph (equal halves)."""
    label = label_width(width, height)
    return label + (width - label) // 2


def check_screen(lines: list[str], width: int, height: int) -> None:
    """What must hold at any size, read from the screen's text."""
    assert len(lines) == height
    assert "checkout-api" in lines[0]
    assert lines[2].lstrip().startswith("step 2/7")
    titles = lines[3]
    stable_at = titles.index("stable ")
    canary_at = titles.index("canary ")
    assert stable_at == label_width(width, height), f"stable title over its graph: {titles!r}"
    assert canary_at == canary_column(width, height), f"canary title over its graph: {titles!r}"
    assert titles[canary_at - 1] == " ", f"the titles do not run together: {titles!r}"
    verdict = next(i for i, line in enumerate(lines) if "verdict" in line)
    for gate in GATES:
        assert any(gate in line for line in lines[verdict + 1 :]), f"gate {gate} on screen"
    assert "Quit" in lines[-1], "the footer is the last line"


async def test_resizing_lays_every_part_out_again(clock: VirtualClock) -> None:
    app, _ = demo_app(clock)
    async with app.run_test(size=SIZES[0]) as pilot:
        await settle(pilot, clock)
        for width, height in SIZES:
            await pilot.resize_terminal(width, height)
            await settle(pilot, clock, 1)
            check_screen(screen_lines(app), width, height)
            assert app.screen.max_scroll_y == 0, "the screen never scrolls"
            assert app.screen.query_one("#metrics").max_scroll_y == 0
            gates = app.screen.query_one(GatesPanel)
            assert gates.region.bottom <= height - 1, "the last gate line is above the footer"
            rows = [row for row in app.screen.query(MetricRow) if row.display]
            assert rows and all(row.region.bottom <= gates.region.y for row in rows)


async def test_a_row_that_does_not_fit_is_left_out_rather_than_scrolled(
    clock: VirtualClock,
) -> None:
    app, _ = demo_app(clock)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot, clock)
        shown = [row.window.spec.name for row in app.screen.query(MetricRow) if row.display]
        assert "db p99" not in shown, "the ungated dependency metric goes first"
        assert {"error rate", "p99 latency"} <= set(shown)


# the real command in a real terminal


@contextmanager
def tmux_session(width: int, height: int, command: list[str]) -> Iterator[list[str]]:
    """A detached tmux on a socket of its own, running `command`; yields the tmux command to
    address it. COLUMNS and LINES are unset for the program: where they are set (a test
    runner may set them) they would pin its size whatever the terminal does."""
    tmux = ["tmux", "-L", f"rollwatch-test-{uuid.uuid4().hex[:8]}"]
    program = ["env", "-u", "COLUMNS", "-u", "LINES", *command]
    size = ["-x", str(width), "-y", str(height)]
    subprocess.run([*tmux, "new-session", "-d", "-s", "main", *size, *program], check=True)
    try:
        yield tmux
    finally:
        subprocess.run([*tmux, "kill-server"], check=False, capture_output=True)


def capture(tmux: list[str]) -> list[str]:
    pane = subprocess.run(
        [*tmux, "capture-pane", "-p", "-t", "main"], check=True, capture_output=True, text=True
    )
    return pane.stdout.splitlines()


def wait_for_screen(tmux: list[str], width: int, height: int, timeout: float = 20.0) -> list[str]:
    """Read the pane until the screen holds at this size, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    lines: list[str] = []
    problem = "nothing read"
    while time.monotonic() < deadline:
        lines = capture(tmux) + [""] * height
        try:
            check_screen(lines[:height], width, height)
            return lines[:height]
        except (AssertionError, ValueError, StopIteration, IndexError) as error:
            problem = str(error)
        time.sleep(0.2)
    pytest.fail(f"the screen did not settle at {width}x{height}: {problem}\n" + "\n".join(lines))


def test_a_real_terminal_resized_under_the_app() -> None:
    if shutil.which("tmux") is None:
        if os.environ.get("ROLLWATCH_REQUIRE_SERVERS") == "1":
            pytest.fail("tmux is not installed and ROLLWATCH_REQUIRE_SERVERS=1")
        pytest.skip("tmux is not installed: the real-terminal resize test needs it")
    rollwatch = Path(sys.executable).with_name("rollwatch")
    command = [str(rollwatch), "demo"]
    width, height = SIZES[0]
    with tmux_session(width, height, command) as tmux:
        for width, height in SIZES:
            size = ["-x", str(width), "-y", str(height)]
            subprocess.run([*tmux, "resize-window", "-t", "main", *size], check=True)
            wait_for_screen(tmux, width, height)
