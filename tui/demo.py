"""The demo's wiring: a session on the simulator, configured by the simulator starter.

The demo reads the same commented file `rollwatch config init` prints, so what a newcomer sees
on screen is what they get when they start a config of their own.
"""

from __future__ import annotations

import getpass
from datetime import timedelta

from backends.simulator import Simulator
from tui.config import demo_config
from tui.session import Session


def demo_session(
    sim: Simulator,
    *,
    rollout_id: str | None = None,
    read_only: bool = False,
    window: timedelta | None = None,
) -> Session:
    config = demo_config()
    return Session(
        sim,
        sim,
        rollout_id or sim.primary_id,
        config.metric,
        sim.clock,
        window=window or config.ui.window,
        read_only=read_only or config.ui.read_only,
        gates=config.gate,
        judge_spec=config.judge,
        actor=sim.options.actor or getpass.getuser(),
    )
