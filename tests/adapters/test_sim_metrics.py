"""`sim-serve`'s /metrics: the simulator's traffic as the counters a real service exports.

Parsed with a small regex (prometheus_client is not a dependency); what a real Prometheus makes
of it is tested in test_e2e_prometheus.py.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta
from itertools import pairwise

import httpx
import pytest

from backends.clock import VirtualClock
from backends.model import Expectation, MetricQuery, QueryContext, Role
from backends.simulator.adapter import Simulator, SimulatorOptions
from tests.helpers.sim_server import serving
from tui.sim_serve.exposition import Exposition
from tui.sim_serve.server import SimulatorApi

ID = "shop/checkout-api"
STABLE, CANARY = "6cbccd9f99", "7d5f8b6c4d"
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
COUNTERS = ("_total", "_bucket", "_count", "_sum")

Series = tuple[str, tuple[tuple[str, str], ...]]


def parse(text: str) -> dict[Series, float]:
    """Every sample of the text format; fails on a line that is neither a sample nor a comment."""
    samples: dict[Series, float] = {}
    for line in text.splitlines():
        if line.startswith("#"):
            assert re.match(r"^# (HELP|TYPE) \w+ .+$", line), line
            continue
        match = SAMPLE.match(line)
        assert match, f"not a sample line: {line!r}"
        name, labels, value = match.groups()
        pairs = tuple(sorted(LABEL.findall(labels)))
        assert ",".join(f'{k}="{v}"' for k, v in pairs) == ",".join(sorted(labels.split(",")))
        samples[(name, pairs)] = float(value)
    return samples


def pick(samples: dict[Series, float], name: str, **labels: str) -> dict[Series, float]:
    wanted = set(labels.items())
    return {s: v for s, v in samples.items() if s[0] == name and wanted <= set(s[1])}


def one(samples: dict[Series, float], name: str, **labels: str) -> float:
    found = pick(samples, name, **labels)
    assert len(found) == 1, (name, labels, found)
    return next(iter(found.values()))


def quantile(q: float, buckets: dict[float, float]) -> float:
    """histogram_quantile as Prometheus computes it: linear inside the bucket it falls in."""
    bounds = sorted(buckets)
    rank = q * buckets[math.inf]
    lower, below = 0.0, 0.0
    for bound in bounds:
        if buckets[bound] >= rank:
            return lower + (bound - lower) * (rank - below) / (buckets[bound] - below)
        lower, below = bound, buckets[bound]
    raise AssertionError("rank above +Inf")


def buckets(
    after: dict[Series, float], before: dict[Series, float] | None = None, **labels: str
) -> dict[float, float]:
    """One series' bucket counts by bound, or their increase since `before`."""
    found = pick(after, "http_request_duration_seconds_bucket", **labels)
    return {float(dict(s[1])["le"]): v - (before or {}).get(s, 0.0) for s, v in found.items()}


async def test_every_line_parses_and_histograms_are_consistent(sim: Simulator, clock):
    exposition = Exposition(sim)
    await clock.advance(25)
    samples = parse(await exposition.render())
    for series, count in pick(samples, "http_request_duration_seconds_count").items():
        labels = dict(series[1])
        counts = buckets(samples, **labels)
        ordered = [counts[bound] for bound in sorted(counts)]
        assert ordered == sorted(ordered), f"buckets must be cumulative: {labels}"
        assert counts[math.inf] == count
        ok, failed = (one(samples, "http_requests_total", **labels, code=c) for c in ("200", "500"))
        assert ok + failed == pytest.approx(count, abs=0.002)


async def test_each_revision_is_labelled_with_its_role(sim: Simulator, clock: VirtualClock):
    exposition = Exposition(sim)
    await clock.advance(15)
    samples = parse(await exposition.render())
    where = {"service": "checkout-api", "namespace": "shop"}
    for revision, role in ((STABLE, "stable"), (CANARY, "canary")):
        for code in ("200", "500"):
            one(samples, "http_requests_total", **where, revision=revision, role=role, code=code)
        assert one(samples, "http_request_duration_seconds_count", revision=revision) > 0
    assert len(pick(samples, "db_query_duration_seconds", **where)) == 2, "p50 and p99"

    rollout = await sim.get_rollout(ID)
    await sim.promote(ID, expect=Expectation.of(rollout), full=True)
    await clock.advance(15)
    after = parse(await exposition.render())
    assert one(after, "http_request_duration_seconds_count", revision=CANARY, role="stable") > 0
    assert not pick(after, "http_requests_total", revision=STABLE), "the old pods are gone"


async def test_counters_never_go_down_across_scrapes(sim: Simulator, clock: VirtualClock):
    exposition = Exposition(sim)
    scrapes = []
    for step in (0, 3, 4, 9, 31, 0.5):
        await clock.advance(step)
        scrapes.append(parse(await exposition.render()))
    for before, after in pairwise(scrapes):
        for series, value in after.items():
            if series[0].endswith(COUNTERS) and series in before:
                assert value >= before[series], series
    first, last = scrapes[0], scrapes[-1]
    assert one(last, "http_requests_total", revision=STABLE, code="200") > one(
        first, "http_requests_total", revision=STABLE, code="200"
    )


async def test_counters_are_a_function_of_the_clock_alone(clock: VirtualClock):
    often, once = (
        Exposition(Simulator(clock, SimulatorOptions(scenario="noisy"))) for _ in range(2)
    )
    for _ in range(7):
        await clock.advance(4.5)
        await often.render()
    assert await often.render() == await once.render()


async def test_a_sample_increase_is_the_simulators_own_sample(clock: VirtualClock):
    """Over one closed 10-s sample the counters grow by what the simulator's query answers."""
    sim = Simulator(clock, SimulatorOptions(scenario="latency-regression"))
    exposition = Exposition(sim)
    await clock.advance(20)
    start = clock.now()
    before = parse(await exposition.render())
    await clock.advance(10)
    after = parse(await exposition.render())

    async def simulated(key: str, role: Role) -> float:
        context = QueryContext(
            service="checkout-api", stable_revision=STABLE, canary_revision=CANARY
        )
        query = MetricQuery(name=key, template=key, context=context)
        result = await sim.query_range(query, start, start, timedelta(seconds=10))
        return result.series[role].points[0].v

    for revision, role in ((STABLE, Role.STABLE), (CANARY, Role.CANARY)):
        name = "http_request_duration_seconds_count"
        grew = one(after, name, revision=revision) - one(before, name, revision=revision)
        assert grew == pytest.approx(await simulated("requests", role) * 10, abs=0.002)
        p99 = quantile(0.99, buckets(after, before, revision=revision)) * 1000
        assert p99 == pytest.approx(await simulated("latency_p99", role), rel=0.1)


async def test_metrics_are_served_as_prometheus_text(sim: Simulator):
    async with serving(SimulatorApi(sim)) as served, httpx.AsyncClient() as raw:
        reply = await raw.get(f"{served.url}/metrics")
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert "# TYPE http_request_duration_seconds histogram" in reply.text
