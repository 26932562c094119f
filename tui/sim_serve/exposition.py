"""The simulator's traffic as a real service exports it: Prometheus counters and histograms.

`rollwatch sim-serve` lets a real Prometheus (or VictoriaMetrics) scrape the simulated services,
so the metric templates users write are tested against PromQL, not against the simulator's
shortcut. Each 10-second traffic sample becomes what a service's client library would have
counted during those seconds: requests by status code, a latency histogram whose buckets follow a
lognormal through the sample's p50 and p99, and a summary of the database calls behind it.

Counters are cumulative since the exposition was made and grow linearly within the current
sample, so two scrapes a second apart differ, and they never go down: a rate over them is the
simulator's request rate. They are a pure function of the clock, whoever scrapes and whenever.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist

from backends.simulator.adapter import Simulator
from backends.simulator.traffic import SAMPLE_SECONDS, Sample

BUCKETS = (
    *(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.175, 0.2),
    *(0.25, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0),
)
"""Bucket bounds (seconds), dense where p99 lives so that histogram_quantile can tell 180 ms
from 240 ms; its linear interpolation inside a wide bucket would blur them together."""

Z99 = NormalDist().inv_cdf(0.99)
DB_SIGMA = 0.35
"""Spread of the database's query latency (log scale), which the traffic model leaves open."""
DB_QUANTILES = (0.5, 0.99)


@dataclass
class _Tally:
    """What a client library counts for one series: requests, errors, latency sum and buckets."""

    requests: float = 0.0
    errors: float = 0.0
    seconds: float = 0.0
    buckets: list[float] = field(default_factory=lambda: [0.0] * len(BUCKETS))

    def add(self, other: _Tally, fraction: float) -> _Tally:
        return _Tally(
            self.requests + other.requests * fraction,
            self.errors + other.errors * fraction,
            self.seconds + other.seconds * fraction,
            [
                mine + theirs * fraction
                for mine, theirs in zip(self.buckets, other.buckets, strict=True)
            ],
        )


def _requests(one: Sample) -> _Tally:
    """A sample's requests spread over the buckets by a lognormal with its p50 and p99."""
    mu = math.log(one.latency_p50 / 1000.0)
    sigma = max(math.log(one.latency_p99 / one.latency_p50) / Z99, 1e-3)
    below = [NormalDist(mu, sigma).cdf(math.log(bound)) for bound in BUCKETS]
    return _Tally(
        requests=one.requests,
        errors=min(one.errors, one.requests),
        seconds=one.requests * math.exp(mu + sigma**2 / 2),
        buckets=[one.requests * share for share in below],
    )


def _db_calls(requests: float, p99_ms: float) -> _Tally:
    """One database query per request, lognormal with the traffic model's p99."""
    mu = math.log(p99_ms / 1000.0) - Z99 * DB_SIGMA
    return _Tally(requests=requests, seconds=requests * math.exp(mu + DB_SIGMA**2 / 2))


@dataclass
class _Rollout:
    """Running sums for one rollout's revisions and database, one closed sample at a time."""

    origin: float
    index: int
    closed: dict[str, _Tally] = field(default_factory=dict)

    def at(self, sim: Simulator, rollout_id: str, t: float) -> dict[str, _Tally]:
        """Totals at `t`: every closed sample, plus the elapsed part of the current one."""
        while (self.index + 1) * SAMPLE_SECONDS <= t:
            end = (self.index + 1) * SAMPLE_SECONDS
            self.closed = self._with(sim, rollout_id, self.index, end)
            self.index += 1
        return self._with(sim, rollout_id, self.index, t)

    def _with(self, sim: Simulator, rollout_id: str, index: int, until: float) -> dict[str, _Tally]:
        start = index * SAMPLE_SECONDS
        fraction = max(0.0, until - max(self.origin, start)) / SAMPLE_SECONDS
        tallies = {rev: _requests(one) for rev, one in sim.traffic(rollout_id, start).items()}
        total = sum(one.requests for one in tallies.values())
        tallies["db"] = _db_calls(total, sim.dependency_latency(rollout_id, start))
        names = {*self.closed, *tallies}
        return {
            n: self.closed.get(n, _Tally()).add(tallies.get(n, _Tally()), fraction) for n in names
        }


class Exposition:
    """Renders `/metrics` for every simulated rollout; counters start when this object does."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self._origin = sim.clock.now().timestamp()
        self._rollouts: dict[str, _Rollout] = {}

    async def render(self) -> str:
        t = self.sim.clock.now().timestamp()
        families = _Families()
        for summary in await self.sim.list_rollouts():
            sums = self._rollouts.setdefault(
                summary.id, _Rollout(self._origin, int(self._origin // SAMPLE_SECONDS))
            ).at(self.sim, summary.id, t)
            where = {"service": summary.service, "namespace": summary.namespace or ""}
            for role, revision in (
                ("stable", summary.stable_revision),
                ("canary", summary.canary_revision),
            ):
                if revision is not None:
                    labels = {**where, "revision": revision, "role": role}
                    families.revision(labels, sums.get(revision, _Tally()))
            p99 = self.sim.dependency_latency(summary.id, t) / 1000.0
            families.database(where, sums["db"], p99)
        return families.text()


class _Families:
    """Lines grouped per metric family, as the text format requires."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.duration: list[str] = []
        self.db: list[str] = []

    def revision(self, labels: dict[str, str], tally: _Tally) -> None:
        ok, failed = tally.requests - tally.errors, tally.errors
        self.requests.append(_line("http_requests_total", {**labels, "code": "200"}, ok))
        self.requests.append(_line("http_requests_total", {**labels, "code": "500"}, failed))
        name = "http_request_duration_seconds"
        for bound, count in zip(BUCKETS, tally.buckets, strict=True):
            self.duration.append(_line(f"{name}_bucket", {**labels, "le": f"{bound:g}"}, count))
        self.duration.append(_line(f"{name}_bucket", {**labels, "le": "+Inf"}, tally.requests))
        self.duration.append(_line(f"{name}_sum", labels, tally.seconds))
        self.duration.append(_line(f"{name}_count", labels, tally.requests))

    def database(self, labels: dict[str, str], tally: _Tally, p99: float) -> None:
        name = "db_query_duration_seconds"
        for q in DB_QUANTILES:
            value = p99 * math.exp((NormalDist().inv_cdf(q) - Z99) * DB_SIGMA)
            self.db.append(_line(name, {**labels, "quantile": f"{q:g}"}, value, digits=6))
        self.db.append(_line(f"{name}_sum", labels, tally.seconds))
        self.db.append(_line(f"{name}_count", labels, tally.requests))

    def text(self) -> str:
        return "".join(
            [
                "# HELP http_requests_total Requests served, by revision and status code.\n",
                "# TYPE http_requests_total counter\n",
                *self.requests,
                "# HELP http_request_duration_seconds Time to answer a request.\n",
                "# TYPE http_request_duration_seconds histogram\n",
                *self.duration,
                "# HELP db_query_duration_seconds Database query latency seen by the service.\n",
                "# TYPE db_query_duration_seconds summary\n",
                *self.db,
            ]
        )


def _line(name: str, labels: dict[str, str], value: float, digits: int = 3) -> str:
    """One sample; counts keep three decimals, which rounds every scrape the same way."""
    pairs = ",".join(f'{key}="{_escape(text)}"' for key, text in labels.items())
    return f"{name}{{{pairs}}} {value:.{digits}f}\n"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
