"""Regenerate the SVG screenshots in screenshots/ from the simulator with a fixed seed.

Run: python scripts/screenshots.py
The same virtual clock and seed as the snapshot tests, so the pictures match what the tests pin.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backends.clock import VirtualClock  # noqa: E402
from tests.conftest import START  # noqa: E402
from tests.helpers.tui_helpers import demo_app, settle  # noqa: E402

SCENARIOS = ("healthy", "latency-regression")
SIZES = ((120, 36), (80, 24))


async def shoot(scenario: str, size: tuple[int, int], out: Path) -> None:
    clock = VirtualClock(START)
    app, _ = demo_app(clock, scenario)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, clock)
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


if __name__ == "__main__":
    asyncio.run(main())
