"""The demo's session: the simulator, configured by the simulator starter.

The demo reads the same commented file `rollwatch config init` prints, so what a newcomer sees
on screen is what they get when they start a config of their own.
"""

from __future__ import annotations

from backends.simulator.adapter import Simulator
from tui.session.live import Session
from tui.session.wiring import on_simulator


def demo_session(
    sim: Simulator, *, rollout_id: str | None = None, read_only: bool = False
) -> Session:
    return on_simulator(sim).session(rollout_id or sim.primary_id, read_only=read_only)
