"""How long the judge takes on full windows: it runs after every poll, on the session's loop.

Run with `pytest benchmarks/bench_judge.py --benchmark-only`.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from backends.model import GateStatus
from tui.judge.data import MetricData
from tui.judge.specs import (
    CompareGate,
    GateSpec,
    JudgeSpec,
    MetricSpec,
    RateGate,
    RelativeGate,
    ThresholdGate,
)
from tui.judge.stats import rank as stats
from tui.judge.verdict import evaluate_gate, judge

NOW = 1_800_000_000.0
POINTS = 300
WINDOW = timedelta(seconds=10 * POINTS)


def series(values: list[float]) -> list[tuple[float, float]]:
    return [(NOW - 10.0 * (len(values) - 1 - i), v) for i, v in enumerate(values)]


def gauss(seed: int, mu: float, sigma: float) -> list[float]:
    rng = random.Random(seed)
    return [max(0.0, rng.gauss(mu, sigma)) for _ in range(POINTS)]


def metric(name: str, unit: str, stable: list[float], canary: list[float]) -> MetricData:
    spec = MetricSpec(name=name, query="q", unit=unit)
    return MetricData(spec, stable=series(stable), canary=series(canary))


METRICS = {
    "p99 latency": metric("p99 latency", "ms", gauss(1, 300, 30), gauss(2, 310, 30)),
    "cpu": metric("cpu", "cores", gauss(3, 1.2, 0.2), gauss(4, 1.25, 0.2)),
    "errors": metric("errors", "errors/s", gauss(5, 0.8, 0.3), gauss(6, 0.03, 0.02)),
    "requests": metric("requests", "requests/s", gauss(7, 400, 20), gauss(8, 10, 1)),
}
GATES: list[GateSpec] = [
    ThresholdGate(name="p99 max", metric="p99 latency", aggregate="p99", max=600, window=WINDOW),
    RelativeGate(name="p99 vs stable", metric="p99 latency", tolerance=0.2, window=WINDOW),
    CompareGate(name="p99 compare", metric="p99 latency", allowed_increase=1.2, window=WINDOW),
    CompareGate(name="cpu compare", metric="cpu", allowed_increase=1.2, window=WINDOW),
    RateGate(name="error rate", numerator="errors", denominator="requests", window=WINDOW),
]


def test_judge_five_gates_on_300_point_windows(benchmark: pytest.FixtureRequest) -> None:
    result = benchmark(judge, GATES, METRICS, NOW, JudgeSpec())
    assert [g.samples for g in result.gates] == [POINTS] * len(GATES)
    assert result.status is not GateStatus.PENDING


@pytest.mark.parametrize("gate", GATES, ids=lambda g: g.kind + ":" + g.name)
def test_one_gate_on_a_300_point_window(benchmark: pytest.FixtureRequest, gate: GateSpec) -> None:
    assert benchmark(evaluate_gate, gate, METRICS, NOW).samples == POINTS


@pytest.mark.parametrize("size", [30, 300, 1000])
def test_shift_interval(benchmark: pytest.FixtureRequest, size: int) -> None:
    canary, stable = gauss(9, 310, 30)[:size] * (1 + size // POINTS), gauss(10, 300, 30)
    stable = (stable * (1 + size // POINTS))[:size]
    assert benchmark(stats.shift_interval, canary[:size], stable, 0.98) is not None


def test_mann_whitney_300(benchmark: pytest.FixtureRequest) -> None:
    assert benchmark(stats.mann_whitney, gauss(11, 310, 30), gauss(12, 300, 30)).p_value < 1
