"""Generated canary and stable streams at 10 s resolution, seeded, for measuring gates.

Values are what a store answers: per-second rates for counts, milliseconds for latency.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from backends.model import Role
from tui.judge.replay import Recording
from tui.judge.specs import MetricSpec

STEP = 10.0
START = 1_800_000_000.0
SPECS = {
    "errors": MetricSpec(name="errors", query="errors", unit="errors/s"),
    "requests": MetricSpec(name="requests", query="requests", unit="req/s", better="higher"),
    "p99 latency": MetricSpec(name="p99 latency", query="latency_p99", unit="ms"),
}


@dataclass(frozen=True)
class Stream:
    recording: Recording
    specs: list[MetricSpec]

    @staticmethod
    def sample_at(t: float) -> int:
        """Which sample (from 1) a timestamp is."""
        return round((t - START) / STEP) + 1


def poisson(rng: random.Random, mean: float) -> int:
    """Exact by inversion for small means, the normal approximation from 50 up."""
    if mean <= 0:
        return 0
    if mean >= 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    k, p = 0, math.exp(-mean)
    cdf, u = p, rng.random()
    while u > cdf:
        k += 1
        p *= mean / k
        cdf += p
    return k


def shared_load(rng: random.Random, n: int) -> list[float]:
    """A multiplier both sides feel: wanders +-30 % over minutes (log AR(1), 0.98 per step)."""
    z, out = 0.0, []
    for _ in range(n):
        z = 0.98 * z + 0.06 * rng.gauss(0.0, 1.0)
        out.append(math.exp(z))
    return out


def canary_requests(i: int, n: int, wild: bool) -> float:
    """50 per interval; with traffic steps, 1 host -> 10 % -> 25 % -> 50 % of 2,050."""
    if not wild:
        return 50.0
    return (50.0, 205.0, 512.0, 1025.0)[min(3, 4 * i // n)]


def errors(ratio: float, *, wild: bool = False) -> Callable[[int, int], Stream]:
    """Stable at 0.2 % errors, the canary at `ratio`; 2,000 vs 50 requests per interval."""

    def make(seed: int, n: int) -> Stream:
        rng = random.Random(f"errors|{ratio}|{wild}|{seed}")
        load = shared_load(rng, n) if wild else [1.0] * n
        series: dict[str, dict[Role, list[tuple[float, float]]]] = {
            "errors": {Role.STABLE: [], Role.CANARY: []},
            "requests": {Role.STABLE: [], Role.CANARY: []},
        }
        for i in range(n):
            t = START + STEP * i
            burst = 20.0 if wild and rng.random() < 0.01 else 1.0
            canary = canary_requests(i, n, wild)
            for role, mean, rate in (
                (Role.STABLE, 2050.0 - canary, 0.002),
                (Role.CANARY, canary, ratio),
            ):
                requests = poisson(rng, mean * load[i])
                failed = poisson(rng, requests * min(1.0, rate * burst))
                series["requests"][role].append((t, requests / STEP))
                series["errors"][role].append((t, failed / STEP))
        return Stream(series, [SPECS["errors"], SPECS["requests"]])

    return make


def latency(
    factor: float, *, wild: bool = False, windowed: bool = False
) -> Callable[[int, int], Stream]:
    """Each side's p99: 180 ms times a log-normal factor (sigma 0.12); the canary's times `factor`.

    `wild` adds a shared wandering load and spikes (1 % of intervals per side, x1.5-4, and 1 %
    on both sides, x2); `windowed` makes each value the p99 of a sliding 1-minute window, so
    neighbouring values share five sixths of their data.
    """

    def make(seed: int, n: int) -> Stream:
        rng = random.Random(f"latency|{factor}|{wild}|{windowed}|{seed}")
        load = shared_load(rng, n) if wild else [1.0] * n
        width = 6 if windowed else 1
        sigma = 0.12 * math.sqrt(width)
        logs = {
            role: [rng.gauss(0.0, sigma) for _ in range(n + width - 1)]
            for role in (Role.STABLE, Role.CANARY)
        }
        series: dict[Role, list[tuple[float, float]]] = {Role.STABLE: [], Role.CANARY: []}
        for i in range(n):
            t = START + STEP * i
            shared = 2.0 if wild and rng.random() < 0.01 else 1.0
            for role in (Role.STABLE, Role.CANARY):
                noise = math.exp(math.fsum(logs[role][i : i + width]) / width)
                spike = rng.uniform(1.5, 4.0) if wild and rng.random() < 0.01 else 1.0
                scale = factor if role is Role.CANARY else 1.0
                value = 180.0 * scale * math.sqrt(load[i]) * noise * spike * shared
                series[role].append((t, value))
        spec = SPECS["p99 latency"]
        if windowed:
            spec = spec.model_copy(update={"sample_span": timedelta(minutes=1)})
        return Stream({"p99 latency": series}, [spec])

    return make
