"""The adapters against servers that misbehave on purpose (tests.helpers.fault_server).

A server may quote back the credentials it was sent, put escape sequences in its error bodies,
answer without end, or lie about its length; an id may try to climb out of its path. Each
adapter must turn all of that into one error the user can read safely, without sending a
request it should not and without reading more than it can hold.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from backends.errors import (
    BackendError,
    BadResponse,
    Conflict,
    InvalidId,
    Unauthorized,
    Unsupported,
)
from backends.http.adapter import HttpDeployBackend, HttpDeployOptions, Limits
from backends.kubernetes.client import KubeApi, connect
from backends.kubernetes.options import KubeOptions
from backends.model import Expectation, MetricQuery, QueryContext
from backends.prometheus.adapter import PrometheusBackend
from backends.prometheus.options import PrometheusOptions
from backends.text_safety import MASK
from tests.helpers.fault_server import Answer, Endless, FaultServer, Request, fault_server

ID = "shop/checkout-api"
TOKEN = "tok-8f2a91c4d7e6b3a5"
PASSWORD = "hunter2-correct-horse"
API_KEY = "key-5d1e8c7b9a2f"
HOSTILE = "\x1b]0;owned\x07\x1b[2J\r"
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
SLACK = 32 << 20
"""Bytes a client's socket buffers may take in after it stopped reading, on a loopback."""
CAP = 96 << 20
"""Where an endless answer gives up: past every limit and slack, short of hurting the machine
when a client without limits reads it all."""


@pytest.fixture
async def server() -> AsyncIterator[FaultServer]:
    async with fault_server() as running:
        yield running


def http(url: str, **options: object) -> HttpDeployBackend:
    return HttpDeployBackend(HttpDeployOptions.model_validate({"url": url, **options}))


def echo(status: int, prefix: str = "invalid credentials") -> Answer:
    """A refusal that quotes every header it got, with escape sequences for good measure."""

    def body(request: Request) -> str:
        return f"{prefix}: {json.dumps(request.headers)} {HOSTILE}"

    return Answer(status, body, content_type="text/plain")


def assert_safe(error: BaseException, *secrets: str) -> str:
    text = str(error)
    assert not CONTROL.search(text), repr(text)
    for secret in secrets:
        assert secret not in text
        assert secret[:8] not in text, "no part of a secret is left where the text was cut"
    return text


# -- secrets and escape sequences in what servers say --------------------------------------------


@pytest.mark.parametrize(
    ("options", "secrets"),
    [
        ({"token": TOKEN}, [TOKEN]),
        (
            {"username": "alice", "password": PASSWORD},
            [PASSWORD, base64.b64encode(f"alice:{PASSWORD}".encode()).decode()],
        ),
        ({"headers": {"X-Api-Key": API_KEY}}, [API_KEY]),
    ],
)
async def test_a_refusal_quoting_the_credentials_shows_them_masked(server, options, secrets):
    server.always(echo(401))
    backend = http(server.url, **options)
    try:
        with pytest.raises(Unauthorized) as caught:
            await backend.list_rollouts()
        text = assert_safe(caught.value, *secrets)
        assert MASK in text and "\\x1b]0;owned\\x07" in text
        with pytest.raises(Unauthorized) as watched:
            await anext(backend.watch_rollout(ID))
        assert MASK in assert_safe(watched.value, *secrets)
        with pytest.raises(Unauthorized) as followed:
            await anext(backend.watch_rollouts())
        assert MASK in assert_safe(followed.value, *secrets)
    finally:
        await backend.aclose()


async def test_a_deployer_without_the_list_watch_quoting_the_token_shows_it_masked(server):
    server.always(echo(404, "no such endpoint"))
    backend = http(server.url, token=TOKEN)
    try:
        with pytest.raises(Unsupported, match="the deploy API has no list watch") as caught:
            await anext(backend.watch_rollouts())
        assert MASK in assert_safe(caught.value, TOKEN)
    finally:
        await backend.aclose()


async def test_a_secret_cut_by_the_snippet_leaves_no_part_showing(server):
    """The body is cut at 300 characters; the token straddles the cut."""
    server.always(Answer(500, "x" * 290 + TOKEN + "y" * 100, content_type="text/plain"))
    backend = http(server.url, token=TOKEN)
    try:
        with pytest.raises(BackendError) as caught:
            await backend.get_rollout(ID)
        assert_safe(caught.value, TOKEN)
    finally:
        await backend.aclose()


async def test_a_conflict_in_the_apis_words_is_masked_and_printable(server, sim):
    said = {"error": "conflict", "message": f"moved on{HOSTILE}", "detail": f"you sent {TOKEN}"}
    server.always(Answer(409, json.dumps(said)))
    backend = http(server.url, token=TOKEN)
    rollout = await sim.get_rollout(ID)
    try:
        with pytest.raises(Conflict) as caught:
            await backend.promote(ID, expect=Expectation.of(rollout))
        assert assert_safe(caught.value, TOKEN).startswith("moved on\\x1b]0;owned\\x07")
    finally:
        await backend.aclose()


async def test_a_token_with_a_line_break_is_never_sent_nor_shown(server):
    server.always(Answer(200, "[]"))
    backend = http(server.url, token="first-half\nsecond-half")
    try:
        with pytest.raises(Unauthorized, match="line break or control character") as caught:
            await backend.list_rollouts()
        assert_safe(caught.value, "first-half", "second-half")
        assert server.requests == []
    finally:
        await backend.aclose()


async def test_the_metrics_store_masks_basic_auth_it_quotes_back(server):
    server.always(echo(401, "unauthorized"))
    store = PrometheusBackend(
        PrometheusOptions(url=server.url, username="alice", password=PASSWORD)
    )
    try:
        with pytest.raises(Unauthorized) as caught:
            await store.query_range(QUERY, *SPAN)
        pair = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
        text = assert_safe(caught.value, PASSWORD, pair)
        assert f"Basic {MASK}" in text and "basic auth as alice" in text
    finally:
        await store.aclose()


async def test_the_metrics_store_warnings_reach_the_user_printable_and_masked(server):
    answer = {
        "status": "success",
        "data": {"resultType": "matrix", "result": [{"metric": {}, "values": [[1, "1"]]}]},
        "warnings": [f"slow query{HOSTILE} by Bearer {TOKEN}"],
    }
    server.always(Answer(200, json.dumps(answer)))
    store = PrometheusBackend(PrometheusOptions(url=server.url, token=TOKEN))
    try:
        unsplit = QUERY.model_copy(update={"split": False, "template": "sum(rate(requests[1m]))"})
        result = await store.query_range(unsplit, *SPAN)
        assert result.warnings == [f"slow query\\x1b]0;owned\\x07\\x1b[2J  by Bearer {MASK}"]
    finally:
        await store.aclose()


async def test_the_kubernetes_api_status_message_is_masked_and_printable(server, tmp_path):
    status = {
        "kind": "Status",
        "status": "Failure",
        "reason": "Forbidden",
        "code": 403,
        "message": f"token {TOKEN} may not get rollouts{HOSTILE}",
    }
    server.always(Answer(403, json.dumps(status)))
    api = kube(server.url, tmp_path)
    try:
        with pytest.raises(Unauthorized) as caught:
            await api.get("/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/x")
        assert MASK in assert_safe(caught.value, TOKEN)
    finally:
        await api.aclose()


# -- ids that would leave their path -------------------------------------------------------------


@pytest.mark.parametrize(
    "rollout_id", ["shop/payments/../checkout-api", "shop/./x", "shop//x", "x" * 100_000]
)
async def test_an_id_that_is_not_one_is_refused_before_anything_is_sent(server, sim, rollout_id):
    server.always(Answer(200, "{}"))
    backend = http(server.url)
    expect = Expectation.of(await sim.get_rollout(ID))
    try:
        for attempt in (
            backend.get_rollout(rollout_id),
            backend.promote(rollout_id, expect=expect),
            backend.abort(rollout_id, expect=expect),
            backend.retry(rollout_id),
            anext(backend.watch_rollout(rollout_id)),
        ):
            with pytest.raises(InvalidId) as caught:
                await attempt
            assert len(str(caught.value)) < 200
        assert server.requests == []
    finally:
        await backend.aclose()


# -- answers without end -------------------------------------------------------------------------


async def test_an_event_line_without_end_is_cut_and_no_longer_read(server):
    server.always(
        Endless(head=b"event: rollout\ndata: ", content_type="text/event-stream", cap=CAP)
    )
    backend = http(server.url)
    try:
        with pytest.raises(BadResponse, match=r"a line of the watch of .* is larger than 4 MiB"):
            await anext(backend.watch_rollout(ID))
        (served,) = await server.answered()
        assert not served.finished and served.sent < (4 << 20) + SLACK
    finally:
        await backend.aclose()


async def test_an_endless_json_answer_is_cut_and_no_longer_read(server):
    server.always(Endless(head=b'{"id": "', cap=CAP))
    backend = HttpDeployBackend(HttpDeployOptions(url=server.url), limits=Limits(answer=1 << 20))
    try:
        with pytest.raises(BadResponse, match="is larger than 1 MiB; rollwatch stopped reading"):
            await backend.get_rollout(ID)
        (served,) = await server.answered()
        assert not served.finished and served.sent < (1 << 20) + SLACK
    finally:
        await backend.aclose()


async def test_a_declared_200_mb_answer_is_refused_before_it_is_read(server):
    server.always(Endless(length=200 << 20, cap=CAP))
    backend = http(server.url)
    try:
        with pytest.raises(BadResponse, match="larger than 16 MiB"):
            await backend.list_rollouts()
        (served,) = await server.answered()
        assert served.sent < SLACK
    finally:
        await backend.aclose()


async def test_an_endless_answer_from_the_metrics_store_is_cut(server):
    server.always(Endless(head=b'{"status": "success", "data": "', cap=CAP))
    store = PrometheusBackend(PrometheusOptions(url=server.url), max_answer=1 << 20)
    try:
        with pytest.raises(BadResponse, match="larger than 1 MiB"):
            await store.query_range(QUERY, *SPAN)
        assert len(server.requests) == 2, "one query per revision, neither retried"
        for served in await server.answered(2):
            assert served.sent < (1 << 20) + SLACK
    finally:
        await store.aclose()


async def test_a_kubernetes_watch_line_without_end_is_cut(server, tmp_path):
    server.always(Endless(head=b'{"type": "ADDED", "object": {"x": "', cap=CAP))
    api = kube(server.url, tmp_path)
    try:
        with pytest.raises(BadResponse, match=r"a line of watch .* is larger than 16 MiB"):
            await anext(api.stream("/apis/apps/v1/namespaces/shop/deployments", {}))
        (served,) = await server.answered()
        assert served.sent < (16 << 20) + SLACK
    finally:
        await api.aclose()


# -- helpers -------------------------------------------------------------------------------------

QUERY = MetricQuery(
    name="latency",
    template='rate(requests{{pod_template_hash="{revision}"}}[1m])',
    context=QueryContext(
        service="checkout-api",
        namespace="shop",
        workload="checkout-api",
        stable_revision="aaa111",
        canary_revision="bbb222",
    ),
)
END = datetime(2026, 1, 1, tzinfo=UTC)
SPAN = (END - timedelta(minutes=5), END, timedelta(seconds=30))


def kube(url: str, directory: Path) -> KubeApi:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "hostile", "cluster": {"server": url}}],
        "users": [{"name": "me", "user": {"token": TOKEN}}],
        "contexts": [{"name": "c", "context": {"cluster": "hostile", "user": "me"}}],
        "current-context": "c",
    }
    path = directory / "kubeconfig"
    path.write_text(json.dumps(config))
    return connect(KubeOptions(kubeconfig=str(path), namespace="shop"))
