"""The demo's wiring: the simulator, the metrics it serves, and a session on its rollout."""

from __future__ import annotations

from datetime import timedelta

from backends.simulator import Simulator
from tui.session import Session
from tui.specs import MetricSpec

SIM_METRICS = (
    MetricSpec(name="requests", query="requests", unit="req/s", better="higher"),
    MetricSpec(name="error rate", query="error_ratio", unit="%"),
    MetricSpec(name="p50 latency", query="latency_p50", unit="ms"),
    MetricSpec(name="p99 latency", query="latency_p99", unit="ms"),
    MetricSpec(name="db p99", query="db_latency_p99", unit="ms", split=False),
)
"""What the simulated store serves, as a user would configure it for a real one."""


def demo_session(
    sim: Simulator,
    *,
    rollout_id: str | None = None,
    read_only: bool = False,
    window: timedelta = timedelta(minutes=15),
) -> Session:
    return Session(
        sim,
        sim,
        rollout_id or sim.primary_id,
        SIM_METRICS,
        sim.clock,
        window=window,
        read_only=read_only,
    )
