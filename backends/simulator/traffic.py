"""The simulated service's traffic: deterministic, noisy samples per revision.

Every sample is a pure function of (seed, service, revision, sample index, traffic share), so a
query returns the same numbers however the time range is cut into queries: what the session
fetches incrementally equals what a full refetch would give. Noise grows as traffic shrinks, the
way a canary on one host is noisier than the fleet: that is what makes judging a canary hard.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import lru_cache

SAMPLE_SECONDS = 10.0
"""The simulated store's scrape interval: one sample per revision every 10 s."""

METRIC_KEYS = ("requests", "errors", "error_ratio", "latency_p50", "latency_p99", "db_latency_p99")


@dataclass(frozen=True)
class Behaviour:
    """How a revision behaves relative to the baseline; the scenarios differ only here."""

    latency_factor: float = 1.0
    error_ratio: float = 0.002
    noise: float = 1.0
    burn_per_minute: float = 0.0
    """Slow burn: latency grows by this fraction per minute the revision has served."""
    db_load: float = 0.0
    """Extra dependency latency (fraction) when this revision takes all the traffic."""
    spike_after_s: float = 0.0
    """Errors stay at the baseline for this long after the revision starts serving."""


BASELINE = Behaviour()


@dataclass(frozen=True)
class Sample:
    requests: float
    errors: float
    latency_p50: float
    latency_p99: float

    def value(self, key: str) -> float:
        if key == "requests":
            return self.requests / SAMPLE_SECONDS
        if key == "errors":
            return self.errors / SAMPLE_SECONDS
        if key == "error_ratio":
            return self.errors / self.requests * 100 if self.requests else math.nan
        if key == "latency_p50":
            return self.latency_p50
        if key == "latency_p99":
            return self.latency_p99
        raise KeyError(key)


@lru_cache(maxsize=8192)
def _draws(seed: int, stream: str, k: int) -> tuple[float, float, float, float]:
    """Four random numbers for one sample, the same on every run for the same arguments."""
    rng = random.Random(f"{seed}|{stream}|{k}")
    return rng.gauss(0, 1), rng.random(), rng.gauss(0, 1), rng.gauss(0, 1)


def _poisson(mean: float, u: float, z: float) -> float:
    """A Poisson count by inverse transform for small means, normal approximation above 30."""
    if mean <= 0:
        return 0.0
    if mean > 30:
        return max(0.0, round(mean + math.sqrt(mean) * z))
    k, p = 0, math.exp(-mean)
    cdf = p
    while u > cdf and k < 1000:
        k += 1
        p *= mean / k
        cdf += p
    return float(k)


def diurnal(t: float) -> float:
    """Daily traffic swing: busiest mid-afternoon, quietest before dawn."""
    return 1.0 + 0.2 * math.sin(2 * math.pi * (t / 86400.0 - 0.375))


def sample(
    seed: int,
    stream: str,
    t: float,
    share: float,
    base_rps: float,
    behaviour: Behaviour,
    serving_s: float,
) -> Sample:
    """One 10-second sample of a revision taking `share` (0..1) of the service's traffic."""
    k = int(t // SAMPLE_SECONDS)
    z_req, u_err, z_p50, z_p99 = _draws(seed, stream, k)
    mean_requests = base_rps * diurnal(t) * share * SAMPLE_SECONDS
    requests = _poisson(mean_requests, 0.5 + 0.5 * math.erf(z_req / math.sqrt(2)), z_req)
    ratio = behaviour.error_ratio if serving_s >= behaviour.spike_after_s else BASELINE.error_ratio
    errors = _poisson(requests * ratio, u_err, (u_err - 0.5) * 3.4)
    burn = 1.0 + behaviour.burn_per_minute * serving_s / 60.0
    factor = behaviour.latency_factor * burn
    spread = behaviour.noise * (0.03 + 0.8 / math.sqrt(requests + 1))
    p50 = 42.0 * factor * math.exp(spread * 0.5 * z_p50)
    p99 = 180.0 * factor * math.exp(spread * z_p99)
    return Sample(requests=requests, errors=errors, latency_p50=p50, latency_p99=max(p50, p99))


def db_latency(seed: int, stream: str, t: float, new_share: float, behaviour: Behaviour) -> float:
    """The p99 latency of the database the service talks to: it feels the new revision's load."""
    z = _draws(seed, stream, int(t // SAMPLE_SECONDS))[2]
    return 8.0 * (1.0 + behaviour.db_load * new_share) * math.exp(0.05 * z)
