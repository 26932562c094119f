"""The MetricsBackend contract, checked the same way against every metrics adapter.

The session judges stable against canary from whatever store it is given, so every store must
answer alike: a split query gives both roles, a role with no series is named in `missing` (never
an empty graph), a query the store refuses is a BadResponse carrying the store's own words, a
store that does not answer is Unreachable, and NaN and ±Inf arrive as floats. Prometheus and
VictoriaMetrics run as real servers seeded with known values (tests.helpers.seeded_stores); the
simulator runs on the virtual clock. How each store differs in detail (exact numbers, warnings,
status codes) is tested next to its adapter, in test_prometheus.py and test_simulator.py.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from backends.base import MetricsBackend
from backends.clock import VirtualClock
from backends.errors import BadResponse, Unreachable
from backends.model import MetricQuery, QueryContext, QueryResult, Role
from backends.prometheus.adapter import PrometheusBackend
from backends.prometheus.options import PrometheusOptions
from backends.simulator.adapter import Simulator
from tests.helpers.seeded_stores import CONTEXT, GROUPED, Store
from tests.helpers.servers import KINDS, Kind, ServerFactory

pytest_plugins = ["tests.helpers.servers", "tests.helpers.seeded_stores"]

ADAPTERS = ("simulator", *KINDS)


@dataclass(frozen=True)
class Subject:
    """One store as the contract sees it: a backend and what it holds in a window."""

    backend: MetricsBackend
    context: QueryContext
    split: str
    """A template with a series for each revision in `context`."""
    unsplit: str
    """A template for one series that is not per revision (a dependency)."""
    refused: str
    """A template the store refuses, and words of its own it says so with:"""
    says: str
    start: datetime
    end: datetime
    step: timedelta

    async def query(self, template: str, **fields: object) -> QueryResult:
        query = MetricQuery.model_validate(
            {"name": "m", "template": template, "context": self.context, **fields}
        )
        return await self.backend.query_range(query, self.start, self.end, self.step)


async def _simulator(sim: Simulator, clock: VirtualClock) -> Subject:
    rollout = await sim.get_rollout(sim.primary_id)
    assert rollout.canary is not None, "the primary rollout of a scenario starts with a canary"
    context = QueryContext(
        service=rollout.service,
        namespace=rollout.namespace or "",
        stable_revision=rollout.stable.id,
        canary_revision=rollout.canary.id,
    )
    now = clock.now()
    return Subject(
        sim,
        context,
        "latency_p99",
        "db_latency_p99",
        "latency_p42",
        "it has: requests, errors",
        now - timedelta(minutes=5),
        now,
        timedelta(seconds=30),
    )


def _server(store: Store) -> Subject:
    backend = PrometheusBackend(PrometheusOptions(url=store.server.url, max_retries=0))
    says = "bad_data: 1:" if store.kind == "prometheus" else "cannot execute query"
    return Subject(
        backend,
        CONTEXT,
        GROUPED,
        'sum(rw_value{service="{service}"})',
        'sum(rate(rw_value{service="{service}"}[5m])',
        says,
        store.at(60),
        store.at(240),
        timedelta(seconds=30),
    )


@pytest.fixture(params=ADAPTERS)
async def subject(
    request: pytest.FixtureRequest,
    sim: Simulator,
    clock: VirtualClock,
    seeded_stores: Callable[[Kind], Store],
) -> AsyncIterator[Subject]:
    if request.param == "simulator":
        found = await _simulator(sim, clock)
    else:
        found = _server(seeded_stores(request.param))
    yield found
    await found.backend.aclose()


async def test_the_adapter_is_a_metrics_backend(subject: Subject):
    assert isinstance(subject.backend, MetricsBackend)


async def test_a_split_query_answers_stable_and_canary(subject: Subject):
    result = await subject.query(subject.split, revision_label="revision")
    assert sorted(result.series) == [Role.CANARY, Role.STABLE]
    assert result.missing == []
    revisions = {
        Role.STABLE: subject.context.stable_revision,
        Role.CANARY: subject.context.canary_revision,
    }
    low, high = subject.start.timestamp(), subject.end.timestamp()
    for role, series in result.series.items():
        assert (series.role, series.revision) == (role, revisions[role])
        times = [p.t for p in series.points]
        assert times, f"no points for {role}"
        assert times == sorted(set(times)), "one point per time, in order"
        assert low <= times[0] and times[-1] <= high, "points stay in the window asked for"
        assert all(math.isfinite(p.v) for p in series.points)
    assert result.series[Role.STABLE].points != result.series[Role.CANARY].points


async def test_an_unsplit_query_is_one_series_for_all(subject: Subject):
    result = await subject.query(subject.unsplit, split=False)
    assert list(result.series) == [Role.ALL]
    assert result.series[Role.ALL].revision is None and result.series[Role.ALL].points
    assert result.missing == []


@pytest.mark.parametrize("subject", ["simulator", *KINDS], indirect=True)
async def test_a_revision_without_series_is_missing_not_empty(subject: Subject):
    context = subject.context.model_copy(update={"canary_revision": "ccc333"})
    result = await replace(subject, context=context).query(subject.split, revision_label="revision")
    assert result.missing == [Role.CANARY]
    assert list(result.series) == [Role.STABLE] and result.series[Role.STABLE].points


async def test_a_query_the_store_refuses_is_a_bad_response_in_its_words(subject: Subject):
    with pytest.raises(BadResponse) as refused:
        await subject.query(subject.refused, split=False)
    assert subject.says in str(refused.value)


@pytest.mark.parametrize("kind", KINDS)
async def test_a_store_that_went_down_is_unreachable(
    kind: Kind, metrics_server_factory: ServerFactory
):
    """A store that was up and is gone: what a restart or a crash looks like to the session."""
    server = metrics_server_factory(kind)
    server.stop()
    backend = PrometheusBackend(PrometheusOptions(url=server.url, max_retries=0))
    query = MetricQuery(name="m", template="up", context=CONTEXT, split=False)
    now = datetime.now(UTC)
    with pytest.raises(Unreachable) as caught:
        await backend.query_range(query, now - timedelta(minutes=1), now, timedelta(seconds=15))
    await backend.aclose()
    assert caught.value.retryable and server.url in str(caught.value)


@pytest.mark.parametrize("kind", KINDS)
async def test_nan_and_infinities_arrive_as_floats(
    kind: Kind, seeded_stores: Callable[[Kind], Store]
):
    """x / 0 is -Inf, NaN (0 / 0) or +Inf. A store may leave the NaN point out; it may not send
    it as anything but a float NaN. The simulator computes its values and has none of these."""
    store = seeded_stores(kind)
    window = {"start": store.at(80), "end": store.at(120), "step": timedelta(seconds=10)}
    subject = replace(_server(store), **window)
    result = await subject.query('(sum(rw_value{pod="a-1"}) - 10) / 0', split=False)
    await subject.backend.aclose()
    got = dict(store.offsets(result.series[Role.ALL]))
    assert {t: v for t, v in got.items() if t != 100} == {
        80: -math.inf,
        90: -math.inf,
        110: math.inf,
        120: math.inf,
    }
    assert 100 not in got or math.isnan(got[100])
