"""Prometheus and VictoriaMetrics seeded with known values, one of each per test session.

The Prometheus adapter's own tests and the metrics contract suite read the same data, so they
share the servers (use with `pytest_plugins = ["tests.helpers.servers",
"tests.helpers.seeded_stores"]`). One sample every 10 s, starting an hour ago:

    rw_value{revision="aaa111", pod="a-1"} = i          (stable, two pods)
    rw_value{revision="aaa111", pod="a-2"} = 2 i
    rw_value{revision="bbb222", pod="b-1"} = 1000 + i   (canary, one pod)

where i counts samples from the anchor, so at anchor + 10 i s stable sums to 3 i.

PYTEST_DONT_REWRITE: test modules import from here before pytest loads it as a plugin, and it
holds no asserts to rewrite.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from backends.model import MetricSeries, QueryContext
from tests.helpers.servers import Kind, MetricsServer, Sample, ServerFactory, free_port

SAMPLES = 241
CONTEXT = QueryContext(
    service="checkout",
    namespace="shop",
    stable_revision="aaa111",
    canary_revision="bbb222",
    stable_workload="checkout-aaa111",
    canary_workload="checkout-bbb222",
)
GROUPED = 'sum by (revision) (rw_value{service="{service}", revision=~"{revision}"})'


def seed(anchor: int) -> list[Sample]:
    pods = [
        ("a-1", "aaa111", lambda i: i),
        ("a-2", "aaa111", lambda i: 2 * i),
        ("b-1", "bbb222", lambda i: 1000 + i),
    ]
    return [
        Sample(
            "rw_value",
            {
                "service": "checkout",
                "namespace": "shop",
                "revision": revision,
                "workload": f"checkout-{revision}",
                "pod": pod,
            },
            anchor + 10 * i,
            float(value(i)),
        )
        for pod, revision, value in pods
        for i in range(SAMPLES)
    ]


@dataclass(frozen=True)
class Store:
    kind: Kind
    server: MetricsServer
    anchor: int

    def at(self, offset: float) -> datetime:
        return datetime.fromtimestamp(self.anchor + offset, UTC)

    def offsets(self, series: MetricSeries) -> list[tuple[float, float]]:
        return [(round(p.t - self.anchor, 3), p.v) for p in series.points]


@pytest.fixture(scope="session")
def anchor() -> int:
    """An hour ago on a 10-minute boundary: well inside retention, clear of the live head."""
    return int(time.time()) // 600 * 600 - 3600


@pytest.fixture(scope="session")
def seeded_stores(metrics_server_factory: ServerFactory, anchor: int) -> Callable[[Kind], Store]:
    """The seeded store of a kind, started the first time it is asked for."""
    started: dict[Kind, Store] = {}

    def store(kind: Kind) -> Store:
        if kind not in started:
            if kind == "prometheus":
                # A remote store that refuses connections, consulted only by selectors with
                # warn="yes": Prometheus turns the failure into a warning on a successful answer.
                remote = {
                    "url": f"http://127.0.0.1:{free_port()}/read",
                    "read_recent": True,
                    "required_matchers": {"warn": "yes"},
                }
                config: dict[str, object] = {"remote_read": [remote]}
                server = metrics_server_factory(kind, seed=seed(anchor), config=config)
            else:
                server = metrics_server_factory(kind, seed=seed(anchor))
            started[kind] = Store(kind, server, anchor)
        return started[kind]

    return store
