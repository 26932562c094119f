"""End to end: a real store scrapes `rollwatch sim-serve`, and rollwatch reads it back in PromQL.

This is the path a user's metrics take: a service exports counters and histograms per revision,
Prometheus (or VictoriaMetrics) scrapes them, and the `prometheus` adapter splits one grouped
query into stable and canary by the `revision` label. The templates here are the ones the README
recommends, so a test fails if they stop working against a real store.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from statistics import median

import pytest

from backends.model import MetricQuery, QueryContext, QueryResult, Role
from backends.prometheus.adapter import PrometheusBackend
from backends.prometheus.options import PrometheusOptions
from tests.helpers.servers import KINDS, Kind, ServerFactory
from tests.helpers.sim_server import sim_serve_process

pytest_plugins = ["tests.helpers.servers"]
pytestmark = pytest.mark.servers

SELECT = 'service="{service}",namespace="{namespace}",revision=~"{revision}"'
ERROR_RATIO = (
    f'sum by (revision) (rate(http_requests_total{{{SELECT},code="500"}}[30s]))'
    f" / sum by (revision) (rate(http_requests_total{{{SELECT}}}[30s]))"
)
LATENCY_P99 = (
    "histogram_quantile(0.99, sum by (le, revision) "
    f"(rate(http_request_duration_seconds_bucket{{{SELECT}}}[30s])))"
)
DB_P99 = (
    'max(db_query_duration_seconds{service="{service}",namespace="{namespace}",quantile="0.99"})'
)

CONTEXT = QueryContext(
    service="checkout-api",
    namespace="shop",
    stable_revision="6cbccd9f99",
    canary_revision="7d5f8b6c4d",
)
DEADLINE = 40.0
"""Seconds to wait for enough scrapes; Prometheus 2.42 scrapes its first target after ~6 s."""
POINTS = 3


@pytest.fixture(scope="module")
def sim_serve() -> Iterator[str]:
    """One latency regression for every store: it exports the same numbers whoever scrapes."""
    with sim_serve_process("latency-regression", speed=10) as url:
        yield url


def metric(name: str, template: str, *, split: bool = True) -> MetricQuery:
    return MetricQuery(
        name=name, template=template, context=CONTEXT, split=split, revision_label="revision"
    )


async def until_filled(
    flush: Callable[[], None], backend: PrometheusBackend
) -> dict[str, QueryResult]:
    """Query every few hundred ms until each role of each metric has a few points."""
    queries = [
        metric("error ratio", ERROR_RATIO),
        metric("p99", LATENCY_P99),
        metric("db p99", DB_P99, split=False),
    ]
    deadline = time.monotonic() + DEADLINE
    while True:
        flush()
        end = datetime.now(UTC)
        results = {
            q.name: await backend.query_range(
                q, end - timedelta(seconds=60), end, timedelta(seconds=1)
            )
            for q in queries
        }
        if all(
            len(series.points) >= POINTS and not result.missing
            for result in results.values()
            for series in result.series.values()
        ) and all(result.series for result in results.values()):
            return results
        if time.monotonic() > deadline:
            pytest.fail(f"too few points after {DEADLINE}s: {results}")
        await asyncio.sleep(0.3)


@pytest.mark.parametrize("kind", KINDS)
async def test_promql_splits_stable_and_canary_from_a_scraped_sim_serve(
    kind: Kind, sim_serve: str, metrics_server_factory: ServerFactory
):
    address = sim_serve.removeprefix("http://")
    store = metrics_server_factory(kind, scrape_targets=[address], scrape_interval="1s")
    backend = PrometheusBackend(PrometheusOptions(url=store.url))
    try:
        results = await until_filled(store.flush, backend)
    finally:
        await backend.aclose()
        store.stop()

    p99 = results["p99"].series
    assert set(p99) == {Role.STABLE, Role.CANARY}
    assert p99[Role.CANARY].revision == CONTEXT.canary_revision
    stable = median(p.v for p in p99[Role.STABLE].points)
    canary = median(p.v for p in p99[Role.CANARY].points)
    assert 0.15 < stable < canary < 0.3, "latency-regression: the canary is 35 % slower"

    for series in results["error ratio"].series.values():
        assert all(0 <= p.v < 0.02 for p in series.points if not math.isnan(p.v))
    db = results["db p99"].series[Role.ALL].points
    assert all(0.005 < p.v < 0.02 for p in db), "the database's p99 is about 8 ms"
    assert not any(result.warnings for result in results.values()), results
