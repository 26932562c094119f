"""The demo's wiring: the simulator, the metrics it serves, and a session on its rollout."""

from __future__ import annotations

import getpass
from datetime import timedelta

from backends.simulator import Simulator
from tui.session import Session
from tui.specs import (
    CompareGate,
    JudgeSpec,
    MetricSpec,
    RateGate,
    RelativeGate,
    ThresholdGate,
)

SIM_METRICS = (
    MetricSpec(name="requests", query="requests", unit="req/s", better="higher"),
    MetricSpec(name="error rate", query="error_ratio", unit="%"),
    MetricSpec(name="p50 latency", query="latency_p50", unit="ms"),
    MetricSpec(name="p99 latency", query="latency_p99", unit="ms"),
    MetricSpec(name="db p99", query="db_latency_p99", unit="ms", split=False),
    MetricSpec(name="errors", query="errors", unit="errors/s", show=False),
)
"""What the simulated store serves, as a user would configure it for a real one."""

SIM_GATES = (
    CompareGate(name="p99 latency", metric="p99 latency", allowed_increase=1.1, critical=True),
    RateGate(name="errors", numerator="errors", denominator="requests", allowed_increase=1.5),
    RelativeGate(name="p50 latency", metric="p50 latency", tolerance=0.15),
    ThresholdGate(name="error rate", metric="error rate", max=1.0),
)
SIM_JUDGE = JudgeSpec(bake=timedelta(minutes=2))


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
        gates=SIM_GATES,
        judge_spec=SIM_JUDGE,
        actor=sim.options.actor or getpass.getuser(),
    )
