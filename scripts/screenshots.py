"""Regenerate the SVG screenshots in screenshots/ from the simulator with a fixed seed.

Run: python scripts/screenshots.py
The same virtual clock, start and seed as the snapshot tests, so the pictures match what the
tests pin.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from backends.clock import VirtualClock
from tui.session.demo import START
from tui.virtual_app import demo_app, overview_demo_app, settle

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("healthy", "latency-regression")
SIZES = ((120, 36), (80, 24))


async def shoot(scenario: str, size: tuple[int, int], out: Path) -> None:
    clock = VirtualClock(START)
    app, _ = demo_app(clock, scenario)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, clock)
        await settle(pilot, clock, 20)
        app.save_screenshot(filename=out.name, path=str(out.parent))


async def shoot_overview(size: tuple[int, int], out: Path) -> None:
    """The overview after a visit to the error spike's rollout judged it failing."""
    clock = VirtualClock(START)
    app, _ = overview_demo_app(clock, "error-spike")
    async with app.run_test(size=size) as pilot:
        await settle(pilot, clock)
        await pilot.press("enter")
        await settle(pilot, clock, 20)
        await pilot.press("escape")
        await settle(pilot, clock, 20)
        app.save_screenshot(filename=out.name, path=str(out.parent))


async def main() -> None:
    folder = ROOT / "screenshots"
    folder.mkdir(exist_ok=True)
    for scenario in SCENARIOS:
        for width, height in SIZES:
            out = folder / f"{scenario}-{width}x{height}.svg"
            await shoot(scenario, (width, height), out)
            print(out.relative_to(ROOT))
    for width, height in SIZES:
        out = folder / f"overview-{width}x{height}.svg"
        await shoot_overview((width, height), out)
        print(out.relative_to(ROOT))


if __name__ == "__main__":
    asyncio.run(main())
