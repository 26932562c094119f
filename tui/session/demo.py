"""The demo's session: the simulator, configured by the simulator starter.

The demo reads the same commented file `rollwatch config init` prints, so what a newcomer sees
on screen is what they get when they start a config of their own. On a virtual clock from a
fixed instant it is also what the snapshot tests pin and `scripts/screenshots.py` draws.
"""

from __future__ import annotations

from datetime import UTC, datetime

from backends.clock import VirtualClock
from backends.simulator.adapter import Simulator, SimulatorOptions
from tui.config.load import demo_config
from tui.session.live import Session
from tui.session.wiring import Wiring, user

START = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
"""Where every virtual demo's clock begins, so pictures and numbers repeat."""

SEED = 7
"""The demo's seed: the starter's, so a virtual demo shows what `rollwatch demo` shows."""


def demo_wiring(sim: Simulator) -> Wiring:
    """A simulator already made (on a virtual clock) wired as the demo wires it."""
    return Wiring(sim, sim, demo_config(), sim.clock, actor=sim.options.actor or user())


def demo_session(
    sim: Simulator, *, rollout_id: str | None = None, read_only: bool = False
) -> Session:
    """The session the demo opens: the scenario's own rollout, unless another is named."""
    return demo_wiring(sim).session(rollout_id or sim.primary_id, read_only=read_only)


def virtual_demo(
    clock: VirtualClock,
    scenario: str = "healthy",
    *,
    read_only: bool = False,
    actor: str | None = None,
) -> tuple[Session, Simulator]:
    """The demo on `clock` (start it at `START`): nothing moves until the clock is advanced."""
    sim = Simulator(clock, SimulatorOptions(scenario=scenario, seed=SEED, actor=actor))
    return demo_session(sim, read_only=read_only), sim
