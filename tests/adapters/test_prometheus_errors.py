"""The Prometheus adapter against answers a real store cannot be made to give on demand.

A 503 followed by a success, garbage JSON, a slow answer, a sample value that is not a number:
these come from a scripted HTTP server on a loopback port (tests.helpers.servers.StubServer), so the
adapter's real sockets, form encoding and headers are exercised rather than a patched httpx.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from backends.errors import BadResponse, NotFound, Unauthorized, Unreachable
from backends.model import MetricQuery, QueryContext, QueryResult, Role
from backends.prometheus.adapter import PrometheusBackend
from backends.prometheus.options import PrometheusOptions
from tests.helpers.servers import Reply, StubServer

pytest_plugins = ["tests.helpers.servers"]

CONTEXT = QueryContext(service="checkout", stable_revision="aaa111", canary_revision="bbb222")
NOW = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)


def matrix(*series: tuple[dict[str, str], list[tuple[float, str]]], **extra: object) -> Reply:
    result = [{"metric": m, "values": [list(v) for v in values]} for m, values in series]
    body = {"status": "success", "data": {"resultType": "matrix", "result": result}, **extra}
    return Reply(body=json.dumps(body))


def error(status: int, error_type: str, message: str) -> Reply:
    body = {"status": "error", "errorType": error_type, "error": message}
    return Reply(status=status, body=json.dumps(body))


OK = matrix(({}, [(1.5, "1")]))


class Backend:
    """A backend on the stub with recorded sleeps and the largest jitter, so delays are exact."""

    def __init__(self, stub: StubServer, jitter: float = 1.0, **options: object) -> None:
        self.sleeps: list[float] = []
        settings = {"url": stub.url, **options}
        self.backend = PrometheusBackend(
            PrometheusOptions.model_validate(settings), sleep=self._sleep, jitter=lambda: jitter
        )

    async def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    async def query(self, template: str = "up", **fields: object) -> QueryResult:
        query = MetricQuery.model_validate(
            {"name": "m", "template": template, "context": CONTEXT, "split": False, **fields}
        )
        try:
            return await self.backend.query_range(
                query, NOW - timedelta(minutes=5), NOW, timedelta(seconds=15)
            )
        finally:
            await self.backend.aclose()


async def test_503_then_success_is_retried_with_backoff(stub_server: StubServer):
    stub_server.replies = [error(503, "timeout", "query timed out"), Reply(status=502), OK]
    client = Backend(stub_server)
    result = await client.query()
    assert result.series[Role.ALL].points[0].v == 1
    assert client.sleeps == [0.5, 1.0]
    assert len(stub_server.requests) == 3


async def test_backoff_jitter_keeps_at_least_half_the_delay(stub_server: StubServer):
    stub_server.replies = [Reply(status=500, body="oops")]
    client = Backend(stub_server, jitter=0.0, max_retries=6)
    with pytest.raises(Unreachable):
        await client.query()
    assert client.sleeps == [0.25, 0.5, 1.0, 2.0, 4.0, 5.0]


async def test_5xx_until_retries_run_out_is_unreachable(stub_server: StubServer):
    stub_server.replies = [error(503, "timeout", "query timed out in expression evaluation")]
    client = Backend(stub_server, max_retries=3)
    with pytest.raises(Unreachable, match="did not answer after 4 attempt") as caught:
        await client.query()
    assert caught.value.detail == "HTTP 503: timeout: query timed out in expression evaluation"
    assert client.sleeps == [0.5, 1.0, 2.0]


async def test_429_is_retried(stub_server: StubServer):
    stub_server.replies = [Reply(status=429, body="slow down", content_type="text/plain"), OK]
    client = Backend(stub_server)
    await client.query()
    assert client.sleeps == [0.5]


async def test_slow_answer_times_out_and_is_retried(stub_server: StubServer):
    stub_server.replies = [Reply(body="{}", delay=1.0), OK]
    client = Backend(stub_server, timeout=0.2)
    result = await client.query()
    assert Role.ALL in result.series
    assert client.sleeps == [0.5]


async def test_no_answer_in_time_is_unreachable(stub_server: StubServer):
    stub_server.replies = [Reply(body="{}", delay=1.0)]
    client = Backend(stub_server, timeout=0.2, max_retries=0)
    with pytest.raises(Unreachable) as caught:
        await client.query()
    assert caught.value.detail == "no answer within 0.2s"


@pytest.mark.parametrize(
    ("reply", "detail"),
    [
        (error(400, "bad_data", '1:5: parse error: unexpected "}"'),
         'bad_data: 1:5: parse error: unexpected "}"'),
        (error(422, "execution", "many-to-many matching not allowed"),
         "execution: many-to-many matching not allowed"),
        (error(200, "internal", "odd proxy"), "internal: odd proxy"),
        (Reply(status=413, body="<html>Request Entity Too Large</html>", content_type="text/html"),
         "<html>Request Entity Too Large</html>"),
    ],
)  # fmt: skip
async def test_rejected_query_is_bad_response_with_the_query(
    stub_server: StubServer, reply: Reply, detail: str
):
    stub_server.replies = [reply]
    client = Backend(stub_server)
    with pytest.raises(BadResponse) as caught:
        await client.query('sum(rate(x{service="{service}"}[5m]))')
    assert caught.value.detail == detail
    assert 'sum(rate(x{service="checkout"}[5m]))' in str(caught.value)
    assert client.sleeps == []


def data(result_type: str, result: object) -> str:
    return json.dumps({"status": "success", "data": {"resultType": result_type, "result": result}})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<html>proxy login</html>", "not the API's JSON"),
        ('{"status": "succeeded"}', "not the API's JSON"),
        ('{"status": "success"}', "no readable result: data: Input should be a valid dict"),
        (data("matrix", [{"values": [[1, 2]]}]), "result: data.result.0.values.0.1: Input"),
        (data("vector", []), "is a vector, not a range"),
        (data("matrix", [{"values": [[1, "x"]]}]), "not a number: 'x'"),
    ],
)
async def test_garbage_is_bad_response(stub_server: StubServer, body: str, message: str):
    stub_server.replies = [Reply(body=body)]
    with pytest.raises(BadResponse, match=message):
        await Backend(stub_server).query()


@pytest.mark.parametrize("status", [401, 403])
async def test_refused_credentials_are_unauthorized(stub_server: StubServer, status: int):
    stub_server.replies = [Reply(status=status, body="denied", content_type="text/plain")]
    client = Backend(stub_server, token="tok-secret")
    with pytest.raises(Unauthorized, match=f"HTTP {status}, bearer token") as caught:
        await client.query()
    assert "tok-secret" not in str(caught.value)
    assert client.sleeps == []


async def test_404_is_not_found(stub_server: StubServer):
    stub_server.replies = [Reply(status=404, body="404 page not found", content_type="text/plain")]
    with pytest.raises(NotFound, match="base URL"):
        await Backend(stub_server).query()


async def test_request_is_a_form_post_with_auth_and_tenant_headers(
    stub_server: StubServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    stub_server.replies = [OK]
    url = f"{stub_server.url}/prometheus/"
    headers = {"X-Scope-OrgID": "team-a"}
    await Backend(stub_server, url=url, token="t0k", headers=headers).query()
    [request] = stub_server.requests
    assert (request.method, request.path) == ("POST", "/prometheus/api/v1/query_range")
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["Authorization"] == "Bearer t0k"
    assert request.headers["X-Scope-OrgID"] == "team-a"
    form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
    assert form == {
        "query": "up",
        "start": f"{NOW.timestamp() - 300:.3f}",
        "end": f"{NOW.timestamp():.3f}",
        "step": "15.000",
    }

    monkeypatch.setenv("ROLLWATCH_TEST_PASSWORD", "pa55")
    await Backend(stub_server, username="ops", password_env="ROLLWATCH_TEST_PASSWORD").query()
    assert stub_server.requests[-1].headers["Authorization"] == "Basic b3BzOnBhNTU="


async def test_token_file_is_read_per_request(stub_server: StubServer, tmp_path: Path):
    """A rotated service-account token is picked up without restarting."""
    stub_server.replies = [OK]
    token = tmp_path / "token"
    token.write_text("first\n")
    client = Backend(stub_server, token_file=token)
    query = MetricQuery(name="m", template="up", context=CONTEXT, split=False)
    for content in ("first", "second"):
        token.write_text(content + "\n")
        await client.backend.query_range(query, NOW, NOW, timedelta(seconds=1))
        assert stub_server.requests[-1].headers["Authorization"] == f"Bearer {content}"
    token.unlink()
    with pytest.raises(Unauthorized, match="cannot read the secret"):
        await client.backend.query_range(query, NOW, NOW, timedelta(seconds=1))
    await client.backend.aclose()


async def test_a_token_from_the_environment_is_sent_without_its_newline(
    stub_server: StubServer, monkeypatch: pytest.MonkeyPatch
):
    """A Kubernetes secret passed as an environment variable keeps its file's newline."""
    stub_server.replies = [OK]
    monkeypatch.setenv("ROLLWATCH_TEST_TOKEN", "t0k\n")
    await Backend(stub_server, token_env="ROLLWATCH_TEST_TOKEN").query()
    assert stub_server.requests[-1].headers["Authorization"] == "Bearer t0k"
    monkeypatch.setenv("ROLLWATCH_TEST_TOKEN", " \n")
    with pytest.raises(ValueError, match="ROLLWATCH_TEST_TOKEN is not set or empty"):
        PrometheusOptions(url=stub_server.url, token_env="ROLLWATCH_TEST_TOKEN")


async def test_warnings_and_infos_are_surfaced(stub_server: StubServer):
    stub_server.replies = [
        matrix(({}, [(1, "1")]), warnings=["partial response"], infos=["PromQL info: x"])
    ]
    result = await Backend(stub_server).query()
    assert result.warnings == ["partial response", "PromQL info: x"]


async def test_special_values_are_parsed(stub_server: StubServer):
    values = [(1, "NaN"), (2, "+Inf"), (3, "-Inf"), (4, "1e-3"), (5.25, "-0")]
    stub_server.replies = [matrix(({}, values))]
    result = await Backend(stub_server).query()
    points = result.series[Role.ALL].points
    assert math.isnan(points[0].v)
    assert [(p.t, p.v) for p in points[1:]] == [
        (2, math.inf),
        (3, -math.inf),
        (4, 0.001),
        (5.25, 0),
    ]


async def test_native_histograms_are_flagged(stub_server: StubServer):
    body = {
        "status": "success",
        "data": {"resultType": "matrix", "result": [{"metric": {}, "histograms": [[1, {}]]}]},
    }
    stub_server.replies = [Reply(body=json.dumps(body))]
    result = await Backend(stub_server).query()
    assert result.series[Role.ALL].points == []
    assert "native histograms" in result.warnings[0]


async def test_merge_ignores_nan_unless_all_series_are_nan(stub_server: StubServer):
    stub_server.replies = [
        matrix(
            ({"pod": "a"}, [(1, "NaN"), (2, "NaN"), (3, "4")]),
            ({"pod": "b"}, [(1, "2"), (2, "NaN")]),
        )
    ]
    result = await Backend(stub_server).query()
    points = result.series[Role.ALL].points
    assert (points[0].v, points[2].v) == (2, 4)
    assert math.isnan(points[1].v)
    assert result.warnings[0].startswith('2 series for m ({pod="a"}, {pod="b"}); averaged them')


async def test_series_without_the_revision_label_is_flagged(stub_server: StubServer):
    stub_server.replies = [matrix(({}, [(1, "1")]))]
    template = 'sum(x{rev=~"{revision}"})'
    result = await Backend(stub_server).query(template, split=True, revision_label="rev")
    assert result.missing == [Role.STABLE, Role.CANARY]
    assert "has no label 'rev'" in result.warnings[0]
    assert "sum by (rev)" in result.warnings[0]


async def test_one_failing_role_fails_the_query(stub_server: StubServer):
    stub_server.replies = [OK, error(400, "bad_data", "nope")]
    with pytest.raises(BadResponse, match="nope"):
        await Backend(stub_server).query('x{rev="{revision}"}', split=True)


async def test_roles_without_revision_are_not_queried(stub_server: StubServer):
    stub_server.replies = [OK]
    context = CONTEXT.model_copy(update={"canary_revision": None})
    result = await Backend(stub_server).query('x{rev="{revision}"}', split=True, context=context)
    assert (list(result.series), result.missing) == ([Role.STABLE], [])
    assert len(stub_server.requests) == 1


async def test_template_without_role_placeholder_is_flagged(stub_server: StubServer):
    stub_server.replies = [OK]
    result = await Backend(stub_server).query("up", split=True)
    assert "stable and canary run the same query" in result.warnings[0]


async def test_unsplit_template_with_revision_is_refused(stub_server: StubServer):
    with pytest.raises(BadResponse, match="split = false"):
        await Backend(stub_server).query('x{rev="{revision}"}')
    assert stub_server.requests == []


async def test_non_positive_step_is_a_caller_error(stub_server: StubServer):
    backend = PrometheusBackend(PrometheusOptions(url=stub_server.url))
    query = MetricQuery(name="m", template="up", context=CONTEXT)
    with pytest.raises(ValueError, match="step must be positive"):
        await backend.query_range(query, NOW, NOW, timedelta(0))
    await backend.aclose()
