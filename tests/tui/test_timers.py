"""Every clock on the watch screen says what it counts, and moves with the (virtual) time."""

from __future__ import annotations

import re

from backends.clock import VirtualClock
from backends.model import Expectation, StepKind
from tests.helpers.tui_helpers import screen_lines
from tui.virtual_app import demo_app, settle

PRIMARY = "shop/checkout-api"


def seconds(text: str) -> int:
    """`5m02s` or `42s` as seconds."""
    match = re.fullmatch(r"(?:(\d+)m)?(\d+)s", text)
    assert match is not None, text
    return int(match.group(1) or 0) * 60 + int(match.group(2))


def clock_in(line: str, pattern: str) -> int:
    match = re.search(pattern, line)
    assert match is not None, f"{pattern!r} not in {line!r}"
    return seconds(match.group(1))


async def test_the_rollouts_age_and_the_pauses_length_are_told_apart(clock: VirtualClock) -> None:
    app, _ = demo_app(clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, clock)
        lines = screen_lines(app)
        started = clock_in(lines[0], r"started (\S+) ago")
        paused = clock_in(lines[2], r"step 2/7 · paused (\S+)")
        assert started > paused > 0, "the rollout began before its pause"
        await settle(pilot, clock, 80)
        lines = screen_lines(app)
        assert clock_in(lines[0], r"started (\S+) ago") == started + 80
        assert clock_in(lines[2], r"paused (\S+)") == paused + 80


async def test_the_controllers_bake_step_and_the_judges_bake_have_their_own_names(
    clock: VirtualClock,
) -> None:
    app, sim = demo_app(clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, clock)
        await sim.promote(PRIMARY, expect=Expectation.of(await sim.get_rollout(PRIMARY)))
        for _ in range(30):
            await settle(pilot, clock, 5)
            rollout = app.session.rollout
            step = rollout.step_at(rollout.current_step) if rollout else None
            if step is not None and step.kind == StepKind.BAKE:
                break
        await settle(pilot, clock, 10)
        lines = screen_lines(app)
        controller = clock_in(lines[2], r"bake step (\S+) left")
        assert 0 < controller <= 300, "the simulator's bake step is 5 m"
        screen = "\n".join(lines)
        judge = clock_in(screen, r"judge's bake (\S+) left")
        assert 0 < judge <= 120, "the demo judge's bake is 2 m"
        await settle(pilot, clock, 10)
        assert clock_in(screen_lines(app)[2], r"bake step (\S+) left") == controller - 10
