"""Samples for a gate to judge, as the session would hand them over, ending at NOW.

The gate's own tests and the row that labels its estimate judge the same metrics, so they
build their data here: a latency, and errors beside the requests they are counted against.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from tui.judge.data import MetricData
from tui.judge.specs import MetricSpec

NOW = 1_800_000_000.0
LATENCY = MetricSpec(name="p99 latency", query="q", unit="ms")
ERRORS = MetricSpec(name="errors", query="q", unit="errors/s")
REQUESTS = MetricSpec(name="requests", query="q", unit="requests/s", better="higher")


def series(values: Sequence[float]) -> list[tuple[float, float]]:
    """One sample every 10 s, the last at NOW."""
    return [(NOW - 10.0 * (len(values) - 1 - i), v) for i, v in enumerate(values)]


def noisy(seed: int, n: int, centre: float) -> list[float]:
    """Log-normal around `centre`, about 12 % either way, as latencies and rates scatter."""
    rng = random.Random(seed)
    return [centre * math.exp(rng.gauss(0, 0.12)) for _ in range(n)]


def latency(canary: Sequence[float], stable: Sequence[float]) -> dict[str, MetricData]:
    return {"p99 latency": MetricData(LATENCY, series(stable), series(canary))}


def errors(canary: Sequence[float], stable: Sequence[float]) -> dict[str, MetricData]:
    """Errors per second as given on each side, against 5 requests a second on the canary
    and 200 on stable."""
    n = len(canary)
    return {
        "errors": MetricData(ERRORS, series(stable), series(canary)),
        "requests": MetricData(REQUESTS, series([200.0] * n), series([5.0] * n)),
    }
