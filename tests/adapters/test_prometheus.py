"""The Prometheus adapter against real stores: Prometheus 2.x and VictoriaMetrics.

The stores are seeded with known values (tests.helpers.seeded_stores), so every test asserts
exact numbers: at anchor + 10 i s, stable (two pods) sums to 3 i and the canary is 1000 + i.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import respx
from pydantic import ValidationError

from backends.errors import BadResponse, NotFound, Unauthorized, Unreachable
from backends.model import MetricQuery, Role
from backends.prometheus import promql
from backends.prometheus.adapter import ADAPTER, PrometheusBackend
from backends.prometheus.options import PrometheusOptions
from backends.registry import AdapterContext, load_metrics
from tests.helpers.seeded_stores import CONTEXT, GROUPED, Store
from tests.helpers.servers import (
    KINDS,
    REQUIRE_ENV,
    Kind,
    MetricsServer,
    Reply,
    ServerFactory,
    StubServer,
    WebSecurity,
    binary,
    free_port,
    self_signed_cert,
)

pytest_plugins = ["tests.helpers.servers", "tests.helpers.seeded_stores"]

USER, PASSWORD = "rollwatch", "s3cret"
PASSWORD_BCRYPT = "$2b$04$gCjjIGfmW7BE17H0ZZ/jxuHabACMb4RCXvz308A6.nvJlyWaro2li"


@pytest.fixture(scope="session", params=KINDS)
def store(request: pytest.FixtureRequest, seeded_stores: Callable[[Kind], Store]) -> Store:
    kind: Kind = request.param
    return seeded_stores(kind)


@pytest.fixture
async def backend(store: Store) -> AsyncIterator[PrometheusBackend]:
    backend = PrometheusBackend(PrometheusOptions(url=store.server.url, max_retries=0))
    yield backend
    await backend.aclose()


def metric(template: str, **fields: object) -> MetricQuery:
    return MetricQuery.model_validate(
        {"name": "value", "template": template, "context": CONTEXT, **fields}
    )


@contextmanager
def recorded(url: str) -> Iterator[respx.Route]:
    """Counts and shows the requests while the real server still answers them."""
    with respx.mock(assert_all_called=False, using="httpx") as mock:
        yield mock.post(url__startswith=url).pass_through()


def form(route: respx.Route, call: int = 0) -> dict[str, str]:
    request = route.calls[call].request
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def stable(offsets: range) -> list[tuple[float, float]]:
    return [(t, 3.0 * t / 10) for t in offsets]


def canary(offsets: range) -> list[tuple[float, float]]:
    return [(t, 1000.0 + t / 10) for t in offsets]


WINDOW = range(60, 241, 30)


async def query(backend: PrometheusBackend, store: Store, q: MetricQuery, step: float = 30):
    return await backend.query_range(q, store.at(60), store.at(240), timedelta(seconds=step))


@pytest.mark.servers
async def test_split_by_revision_label_in_one_query(store: Store, backend: PrometheusBackend):
    with recorded(store.server.url) as route:
        result = await query(backend, store, metric(GROUPED, revision_label="revision"))
    assert route.call_count == 1
    sent = form(route)
    assert sent["query"] == (
        'sum by (revision) (rw_value{service="checkout", revision=~"aaa111|bbb222"})'
    )
    assert (sent["start"], sent["step"]) == (f"{store.anchor + 60}.000", "30.000")
    assert store.offsets(result.series[Role.STABLE]) == stable(WINDOW)
    assert store.offsets(result.series[Role.CANARY]) == canary(WINDOW)
    assert result.series[Role.CANARY].revision == "bbb222"
    assert (result.missing, result.warnings) == ([], [])


@pytest.mark.servers
async def test_revision_label_from_options(store: Store):
    options = PrometheusOptions(url=store.server.url, revision_label="revision")
    backend = PrometheusBackend(options)
    with recorded(store.server.url) as route:
        result = await query(backend, store, metric(GROUPED))
    await backend.aclose()
    assert route.call_count == 1
    assert store.offsets(result.series[Role.CANARY]) == canary(WINDOW)


@pytest.mark.servers
async def test_equality_matcher_falls_back_to_a_query_per_role(
    store: Store, backend: PrometheusBackend
):
    template = 'sum by (revision) (rw_value{service="{service}", revision="{revision}"})'
    with recorded(store.server.url) as route:
        result = await query(backend, store, metric(template, revision_label="revision"))
    assert route.call_count == 2
    assert sorted(form(route, n)["query"] for n in (0, 1)) == [
        'sum by (revision) (rw_value{service="checkout", revision="aaa111"})',
        'sum by (revision) (rw_value{service="checkout", revision="bbb222"})',
    ]
    assert store.offsets(result.series[Role.STABLE]) == stable(WINDOW)
    assert store.offsets(result.series[Role.CANARY]) == canary(WINDOW)


@pytest.mark.servers
async def test_workload_placeholder_without_revision_label(
    store: Store, backend: PrometheusBackend
):
    template = 'sum(rw_value{namespace="{namespace}", workload="{workload}"})'
    with recorded(store.server.url) as route:
        result = await query(backend, store, metric(template))
    assert route.call_count == 2
    assert store.offsets(result.series[Role.STABLE]) == stable(WINDOW)
    assert store.offsets(result.series[Role.CANARY]) == canary(WINDOW)


@pytest.mark.servers
async def test_unsplit_metric_is_one_series(store: Store, backend: PrometheusBackend):
    result = await query(backend, store, metric('sum(rw_value{service="{service}"})', split=False))
    assert list(result.series) == [Role.ALL]
    assert store.offsets(result.series[Role.ALL]) == [(t, 1000.0 + 4 * t / 10) for t in WINDOW]
    assert result.series[Role.ALL].revision is None


@pytest.mark.servers
async def test_revision_without_series_is_missing_and_named(
    store: Store, backend: PrometheusBackend
):
    context = CONTEXT.model_copy(update={"canary_revision": "ccc333"})
    result = await query(
        backend, store, metric(GROUPED, revision_label="revision", context=context)
    )
    assert result.missing == [Role.CANARY]
    assert list(result.series) == [Role.STABLE]
    assert result.warnings == [
        "no series for canary revision ccc333 — check the label (query: sum by (revision) "
        '(rw_value{service="checkout", revision=~"aaa111|ccc333"}))'
    ]


@pytest.mark.servers
async def test_several_series_for_a_role_are_averaged_and_flagged(
    store: Store, backend: PrometheusBackend
):
    template = 'rw_value{service="{service}", revision=~"{revision}"}'
    result = await query(backend, store, metric(template, revision_label="revision"))
    assert store.offsets(result.series[Role.STABLE]) == [(t, 1.5 * t / 10) for t in WINDOW]
    assert store.offsets(result.series[Role.CANARY]) == canary(WINDOW)
    [warning] = result.warnings
    assert warning.startswith("2 series for stable revision aaa111 (")
    assert "averaged them per timestamp" in warning
    assert "sum by (revision) or avg by (revision)" in warning


@pytest.mark.servers
async def test_nan_and_infinities(store: Store, backend: PrometheusBackend):
    """x / 0 is -Inf, NaN (0 / 0) or +Inf; VictoriaMetrics drops NaN points, not sends them."""
    q = metric('(sum(rw_value{pod="a-1"}) - 10) / 0', split=False)
    result = await backend.query_range(q, store.at(80), store.at(120), timedelta(seconds=10))
    got = store.offsets(result.series[Role.ALL])
    expected = [(80, -math.inf), (90, -math.inf), (110, math.inf), (120, math.inf)]
    if store.kind == "prometheus":
        assert got[2][0] == 100 and math.isnan(got[2][1])
        del got[2]
    assert got == expected


@pytest.mark.servers
async def test_parse_error_carries_the_stores_words_and_the_query(
    store: Store, backend: PrometheusBackend
):
    template = 'sum(rate(rw_value{service="{service}"}[5m])'
    with pytest.raises(BadResponse) as caught:
        await query(backend, store, metric(template, split=False))
    rendered = 'sum(rate(rw_value{service="checkout"}[5m])'
    assert rendered in str(caught.value)
    if store.kind == "prometheus":
        assert caught.value.detail == "bad_data: 1:43: parse error: unclosed left parenthesis"
    else:
        assert str(caught.value.detail).startswith("422: error when executing query=")
        assert "cannot execute query" in str(caught.value.detail)


@pytest.mark.servers
async def test_execution_error_is_a_bad_response(store: Store, backend: PrometheusBackend):
    with pytest.raises(BadResponse) as caught:
        await query(backend, store, metric("rw_value / on() rw_value", split=False))
    prefix = "execution: found duplicate series" if store.kind == "prometheus" else "422: "
    assert str(caught.value.detail).startswith(prefix)


@pytest.mark.servers
async def test_step_is_raised_below_the_point_limit(store: Store, backend: PrometheusBackend):
    q = metric('rw_value{pod="a-1"}', split=False)
    with recorded(store.server.url) as route:
        result = await backend.query_range(
            q, store.at(0), store.at(1800), timedelta(milliseconds=100)
        )
    assert form(route)["step"] == "0.164"
    points = result.series[Role.ALL].points
    assert len(points) == 1800 // 0.164 + 1 == 10976
    assert (points[0].v, round(points[-1].t - store.anchor, 3), points[-1].v) == (0, 1799.9, 179)
    assert result.warnings == [
        "step raised from 0.1s to 0.164s: the store answers at most 11,000 points per series"
    ]


@pytest.mark.servers
@pytest.mark.parametrize("store", ["prometheus"], indirect=True)
async def test_store_warnings_are_surfaced(store: Store, backend: PrometheusBackend):
    """VictoriaMetrics never sends warnings, so this runs against Prometheus only."""
    template = 'sum(rw_value{service="{service}"}) unless on() rw_value{warn="yes"}'
    result = await query(backend, store, metric(template, split=False))
    assert len(result.series[Role.ALL].points) == len(WINDOW)
    [warning] = result.warnings
    assert warning.startswith("remote_read: error sending request")
    assert "connection refused" in warning


@pytest.mark.servers
@pytest.mark.parametrize("store", ["prometheus"], indirect=True)
async def test_api_path_in_url_is_not_found(store: Store):
    """VictoriaMetrics answers unknown paths with 400, so this runs against Prometheus only."""
    backend = PrometheusBackend(PrometheusOptions(url=f"{store.server.url}/api/v1"))
    with pytest.raises(NotFound, match="without /api/v1"):
        await query(backend, store, metric("up", split=False))
    await backend.aclose()


@pytest.mark.servers
@pytest.mark.parametrize("kind", KINDS)
async def test_scrape_targets(
    kind: str, metrics_server_factory: ServerFactory, stub_server: StubServer
):
    """The hook the end-to-end test uses: the store scrapes an exporter every second."""
    stub_server.replies = [Reply(body='rw_scraped{revision="abc"} 42\n', content_type="text/plain")]
    server = metrics_server_factory(kind, scrape_targets=[f"{stub_server.url}/metrics"])
    backend = PrometheusBackend(PrometheusOptions(url=server.url, max_retries=0))
    q = metric("rw_scraped", split=False)
    deadline = time.monotonic() + 15
    try:
        while True:
            server.flush()
            now = datetime.now(UTC)
            result = await backend.query_range(
                q, now - timedelta(seconds=30), now, timedelta(seconds=1)
            )
            if Role.ALL in result.series or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
    finally:
        await backend.aclose()
        server.stop()
    assert {p.v for p in result.series[Role.ALL].points} == {42.0}
    assert stub_server.requests[0].path == "/metrics"


@dataclass(frozen=True)
class Secured:
    server: MetricsServer
    cert: Path


@pytest.fixture(scope="module")
def secured(
    metrics_server_factory: ServerFactory, tmp_path_factory: pytest.TempPathFactory
) -> Secured:
    """Prometheus behind TLS with a self-signed certificate and basic auth."""
    cert, key = self_signed_cert(tmp_path_factory.mktemp("tls"))
    security = WebSecurity(cert, key, USER, PASSWORD, PASSWORD_BCRYPT)
    return Secured(metrics_server_factory("prometheus", security=security), cert)


async def up(secured: Secured, **options: object) -> None:
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    backend = PrometheusBackend(
        PrometheusOptions.model_validate({"url": secured.server.url, **options}), sleep=sleep
    )
    now = datetime.now(UTC)
    try:
        await backend.query_range(
            metric("vector(1)", split=False), now - timedelta(minutes=1), now, timedelta(seconds=15)
        )
    finally:
        await backend.aclose()
        assert sleeps == [], "a TLS or auth failure is not retried"


@pytest.mark.servers
async def test_tls_is_verified_by_default(secured: Secured):
    with pytest.raises(Unreachable, match="set ca_file") as caught:
        await up(secured, username=USER, password=PASSWORD)
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value.detail)


@pytest.mark.servers
async def test_tls_with_ca_file_and_basic_auth(secured: Secured, tmp_path: Path):
    await up(secured, username=USER, password=PASSWORD, ca_file=secured.cert)
    secret = tmp_path / "password"
    secret.write_text(f"{PASSWORD}\n")
    await up(secured, username=USER, password_file=secret, ca_file=secured.cert)
    await up(secured, username=USER, password=PASSWORD, verify=False)


@pytest.mark.servers
async def test_wrong_password_is_unauthorized(secured: Secured):
    with pytest.raises(Unauthorized, match=f"HTTP 401, basic auth as {USER}") as caught:
        await up(secured, username=USER, password="wrong", ca_file=secured.cert)
    assert "wrong" not in str(caught.value)


@pytest.mark.parametrize(
    ("template", "values", "expected"),
    [
        ('x{a="{service}"}', {"service": 'we"ird\\'}, 'x{a="we\\"ird\\\\"}'),
        ("x{a='{service}'}", {"service": "it's"}, "x{a='it\\'s'}"),
        ('x{a=~"{revision}"}', {"revision": "1.2+b"}, 'x{a=~"1\\\\.2\\\\+b"}'),
        ("x{a=~`{revision}`}", {"revision": "1.2"}, "x{a=~`1\\.2`}"),
        ('x{a!~ "{revision}"}', {"revision": "a|b"}, 'x{a!~ "a\\\\|b"}'),
        ('x{a="{revision}"}', {"revision": "1.2"}, 'x{a="1.2"}'),
        ("{service}_total", {"service": "checkout"}, "checkout_total"),
        ('x{a="{unknown}", b="{role}"}', {"role": "canary"}, 'x{a="{unknown}", b="canary"}'),
        ('x # it\'s "{service}"\n + y{a="{role}"}', {"service": "s", "role": "r"},
         'x # it\'s "{service}"\n + y{a="r"}'),
    ],
)  # fmt: skip
def test_render_escapes_for_the_placeholders_context(template, values, expected):
    assert promql.render(template, values) == expected


def test_render_alternation_and_regex_detection():
    template = 'x{r=~"{revision}"} / y{r=~"{revision}"}'
    assert promql.only_in_regex(template, "revision")
    assert not promql.only_in_regex('x{r=~"{revision}"} / y{r="{revision}"}', "revision")
    assert not promql.only_in_regex('x{s="{service}"}', "revision")
    rendered = promql.render(template, {}, {"revision": ["a.1", "b"]})
    assert rendered == 'x{r=~"a\\\\.1|b"} / y{r=~"a\\\\.1|b"}'


def test_options_reject_unknown_and_conflicting_fields(tmp_path: Path):
    def error(**options: object) -> str:
        with pytest.raises(ValidationError) as caught:
            PrometheusOptions.model_validate(options)
        return str(caught.value)

    assert "timeuot" in error(url="http://p:9090", timeuot=3)
    assert "url" in error()
    assert "http:// or https://" in error(url="p:9090")
    assert "must not carry credentials" in error(url="http://u:secret@p:9090")
    assert "exclude each other" in error(url="http://p", token="t", username="u", password="p")
    assert "set only one of token, token_env" in error(url="http://p", token="t", token_env="HOME")
    assert "needs both username" in error(url="http://p", username="u")
    assert "ROLLWATCH_UNSET" in error(url="http://p", token_env="ROLLWATCH_UNSET")
    assert "token_file" in error(url="http://p", token_file=tmp_path / "absent")
    assert "key_file needs cert_file" in error(url="http://p", key_file=__file__)
    assert "conflicts" in error(url="http://p", token="t", headers={"authorization": "x"})
    assert "ca_file is ignored" in error(url="http://p", ca_file=__file__, verify=False)
    assert "max_retries" in error(url="http://p", max_retries=-1)


def test_secrets_never_show_in_repr(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ROLLWATCH_TEST_TOKEN", "env-secret")
    for options in (
        {"token": "tok-secret"},
        {"token_env": "ROLLWATCH_TEST_TOKEN"},
        {"username": "u", "password": "pw-secret"},
    ):
        options = {"url": "http://p:9090/", "headers": {"X-Api-Key": "hdr-secret"}, **options}
        backend = ADAPTER.build(PrometheusOptions.model_validate(options), AdapterContext())
        shown = repr(backend) + repr(backend.options) + str(backend.options)
        assert "secret" not in shown, shown
        assert "X-Api-Key" in repr(backend)
        assert backend.options.url == "http://p:9090"


def test_missing_binary_skips_or_fails_when_required(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        binary("rollwatch-no-such-server")
    monkeypatch.setenv(REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match=f"{REQUIRE_ENV}=1 requires it"):
        binary("rollwatch-no-such-server")


def test_entry_point_is_registered():
    assert load_metrics("prometheus") is ADAPTER


async def test_connection_refused_is_retried_then_unreachable():
    """A real refused connection (nothing listens on the port); sleeps are recorded, not slept."""
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    options = PrometheusOptions(url=f"http://127.0.0.1:{free_port()}", max_retries=4)
    backend = PrometheusBackend(options, sleep=sleep, jitter=lambda: 1.0)
    now = datetime.now(UTC)
    with pytest.raises(Unreachable, match="did not answer after 5 attempt") as caught:
        await backend.query_range(metric("up", split=False), now, now, timedelta(seconds=1))
    await backend.aclose()
    assert sleeps == [0.5, 1.0, 2.0, 4.0]
    assert str(caught.value.detail).startswith("ConnectError")
