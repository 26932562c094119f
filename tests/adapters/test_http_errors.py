"""The `http` adapter against answers `sim-serve` cannot be made to give on demand.

Garbage JSON, a 503, a bare 409 from a proxy, a silent server, an event stream in another
deployer's style: these come from a scripted HTTP server on a loopback port
(tests.helpers.servers.StubServer), so the adapter's real sockets and headers are exercised
rather than a patched httpx. Everything `sim-serve` can do is tested against it in test_http_api.py.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from backends.base import RolloutsChange
from backends.errors import BadResponse, Conflict, NotFound, Unauthorized, Unreachable, Unsupported
from backends.http.adapter import HttpDeployBackend, HttpDeployOptions
from backends.model import Expectation, Rollout, RolloutSummary
from backends.simulator.adapter import Simulator
from tests.helpers.servers import Reply, StubServer, TlsServer, free_port, self_signed_cert, stubbed

pytest_plugins = ["tests.helpers.servers"]

ID = "shop/checkout-api"


@pytest.fixture
async def rollout(sim: Simulator) -> Rollout:
    return await sim.get_rollout(ID)


async def backend_for(url: str, **options: object) -> HttpDeployBackend:
    return HttpDeployBackend(HttpDeployOptions.model_validate({"url": url, **options}))


@pytest.fixture
async def backend(stub_server: StubServer) -> AsyncIterator[HttpDeployBackend]:
    client = await backend_for(stub_server.url, token="t0ken")
    yield client
    await client.aclose()


def events(*blocks: str) -> Reply:
    return Reply(body="".join(blocks), content_type="text/event-stream")


async def watched(backend: HttpDeployBackend) -> list[Rollout]:
    return [one async for one in backend.watch_rollout(ID)]


async def followed(backend: HttpDeployBackend) -> list[RolloutsChange]:
    return [change async for change in backend.watch_rollouts()]


def array(*summaries: RolloutSummary) -> str:
    return "[" + ",".join(summary.model_dump_json() for summary in summaries) + "]"


async def test_actions_send_the_contract_with_the_token(stub_server, backend, rollout):
    stub_server.replies = [Reply(body=rollout.model_dump_json())]
    await backend.promote(ID, expect=Expectation.of(rollout), full=True)
    sent = stub_server.requests[-1]
    assert (sent.method, sent.path) == ("POST", "/api/v1/rollouts/shop/checkout-api/promote")
    assert sent.headers["Authorization"] == "Bearer t0ken"
    assert json.loads(sent.body) == {
        "expect": {"step": 1, "canary_revision": rollout.canary.id, "version": rollout.version},
        "full": True,
    }


async def test_an_event_stream_in_another_servers_style_is_read(stub_server, backend, rollout):
    """Unnamed events, other event names, comments and data split over lines all occur."""
    text = rollout.model_dump_json()
    head, tail = text.split(',"', 1)
    moved = rollout.model_copy(update={"current_step": 2, "version": "9"})
    stub_server.replies = [
        events(
            ": connected\n\n",
            'event: progress\ndata: {"percent": 40}\n\n',
            f'data: {head}\ndata: ,"{tail}\n\n',
            f"event: rollout\r\nid: 9\r\ndata: {moved.model_dump_json()}\r\n\r\n",
        )
    ]
    assert await watched(backend) == [rollout, moved], "a stream the server ends just ends"


async def test_keepalives_after_an_event_with_an_id_yield_nothing(stub_server, backend, rollout):
    """SSE keeps the last event id across events, so a bare blank line after a keepalive comment
    reads as an empty event; it carries no snapshot. An event the stream ends in the middle of
    (no blank line after it) is not delivered either."""
    moved = rollout.model_copy(update={"current_step": 2, "version": "9"})
    stub_server.replies = [
        events(
            f"event: rollout\nid: {rollout.version}\ndata: {rollout.model_dump_json()}\n\n",
            ": keepalive\n\n",
            "\n\n",
            f": keepalive\n\nevent: rollout\nid: 9\ndata: {moved.model_dump_json()}",
        )
    ]
    assert await watched(backend) == [rollout]


async def test_the_list_watch_reads_lists_and_summaries_and_ignores_the_rest(
    stub_server, backend, rollout
):
    """A removal comes as a new list; unnamed events and other names are not the list's."""
    checkout = rollout.summary()
    payments = checkout.model_copy(update={"id": "shop/payments", "service": "payments"})
    moved = checkout.model_copy(update={"current_step": 2})
    stub_server.replies = [
        events(
            f"event: list\ndata: {array(checkout, payments)}\n\n",
            ": keepalive\n\n",
            'event: progress\ndata: {"percent": 40}\n\n',
            f"data: {moved.model_dump_json()}\n\n",
            f"event: summary\r\ndata: {moved.model_dump_json()}\r\n\r\n",
            f"event: list\ndata: {array(moved)}\n\n",
        )
    ]
    assert await followed(backend) == [[checkout, payments], moved, [moved]]
    sent = stub_server.requests[-1]
    assert (sent.method, sent.path) == ("GET", "/api/v1/rollouts?watch=true")
    assert sent.headers["Accept"] == "text/event-stream"


@pytest.mark.parametrize(
    ("block", "needle"),
    [
        ("event: list\ndata: {not json\n\n", "body: Invalid JSON"),
        ('event: list\ndata: {"id": "shop/a"}\n\n', "body: Input should be a valid array"),
        ('event: summary\ndata: [{"id": "shop/a"}]\n\n', "body: Input should be an object"),
        ('event: summary\ndata: {"id": "shop/a"}\n\n', "service: Field required"),
    ],
)
async def test_a_garbage_list_watch_is_a_bad_response(stub_server, backend, block, needle):
    stub_server.replies = [events(block)]
    with pytest.raises(BadResponse) as raised:
        await followed(backend)
    assert str(raised.value).startswith(
        "the answer for the watch of the rollout list is not what the API defines: "
    )
    assert needle in str(raised.value)


@pytest.mark.parametrize(
    ("reply", "answered", "said"),
    [
        (Reply(body="[]"), "with application/json, not text/event-stream", None),
        (
            Reply(status=400, body='{"error": "bad_request", "message": "unknown: watch"}'),
            "HTTP 400",
            "unknown: watch",
        ),
        (Reply(status=404, body="<h1>Not Found</h1>"), "HTTP 404", "<h1>Not Found</h1>"),
        (Reply(status=405, body=""), "HTTP 405", None),
        (Reply(status=501, body="not implemented"), "HTTP 501", "not implemented"),
    ],
)
async def test_a_deployer_without_the_list_watch_is_unsupported(
    stub_server, backend, reply, answered, said
):
    """Written to the API before the list watch, it ignores `watch` or refuses it."""
    stub_server.replies = [reply]
    with pytest.raises(Unsupported) as raised:
        await followed(backend)
    assert raised.value.message == (
        f"the deploy API has no list watch (GET /api/v1/rollouts?watch=true answered {answered})"
    )
    assert raised.value.detail == said


@pytest.mark.parametrize(
    ("reply", "error", "needle"),
    [
        (Reply(status=401, body="denied"), Unauthorized, "refused the watch of the rollout list"),
        (Reply(status=503, body="down"), Unreachable, "failed the watch of the rollout list"),
        (Reply(body="<html>", content_type="text/html"), BadResponse, "with text/html, not"),
    ],
)
async def test_other_list_watch_answers_are_failures(stub_server, backend, reply, error, needle):
    stub_server.replies = [reply]
    with pytest.raises(error) as raised:
        await followed(backend)
    assert type(raised.value) is error and needle in str(raised.value)
    assert "t0ken" not in str(raised.value)


@pytest.mark.parametrize(
    ("reply", "needle"),
    [
        (Reply(body="<html>oops</html>"), "rollout list is not what the API defines"),
        (Reply(body='[{"id": 7}]'), "0.id: Input should be a valid string"),
    ],
)
async def test_garbage_is_a_bad_response(stub_server, backend, reply, needle):
    stub_server.replies = [reply]
    with pytest.raises(BadResponse, match=needle):
        await backend.list_rollouts()


@pytest.mark.parametrize(
    ("reply", "needle"),
    [
        (events("data: {not json\n\n"), "the watch of shop/checkout-api is not what the API"),
        (Reply(body="{}"), "answered with application/json, not text/event-stream"),
    ],
)
async def test_a_garbage_watch_is_a_bad_response(stub_server, backend, reply, needle):
    stub_server.replies = [reply]
    with pytest.raises(BadResponse, match=needle):
        await watched(backend)


@pytest.mark.parametrize(
    ("status", "body", "error", "needle"),
    [
        (503, "upstream down", Unreachable, "failed the rollout list (HTTP 503): upstream down"),
        (
            403,
            '{"error": "unauthorized", "message": "token expired"}',
            Unauthorized,
            "refused the rollout list (HTTP 403, bearer token): token expired",
        ),
        (404, "<h1>Not Found</h1>", NotFound, "/api/v1/rollouts (HTTP 404); url should be"),
        (501, "", Unsupported, "does not support the rollout list"),
        (422, "no", BadResponse, "rejected the rollout list"),
    ],
)
async def test_statuses_become_backend_errors(stub_server, backend, status, body, error, needle):
    stub_server.replies = [Reply(status=status, body=body)]
    with pytest.raises(error) as raised:
        await backend.list_rollouts()
    assert type(raised.value) is error and needle in str(raised.value)
    assert "t0ken" not in str(raised.value)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            '{"error": "conflict", "message": "checkout-api moved on", '
            '"detail": "it is at step 3, you confirmed step 2"}',
            "checkout-api moved on: it is at step 3, you confirmed step 2",
        ),
        ("stale", "promote of shop/checkout-api was refused: the rollout moved on: stale"),
    ],
)
async def test_a_409_is_a_conflict_in_the_servers_words(
    stub_server, backend, rollout, body, expected
):
    stub_server.replies = [Reply(status=409, body=body)]
    with pytest.raises(Conflict) as refused:
        await backend.promote(ID, expect=Expectation.of(rollout))
    assert str(refused.value) == expected


async def test_nothing_listening_is_unreachable():
    backend = await backend_for(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(Unreachable, match="cannot reach"):
        await backend.list_rollouts()
    with pytest.raises(Unreachable, match="the watch of shop/checkout-api dropped"):
        await watched(backend)
    await backend.aclose()


async def test_a_silent_server_is_unreachable(stub_server):
    stub_server.replies = [Reply(body="[]", delay=1.0)]
    backend = await backend_for(stub_server.url, timeout=0.2)
    with pytest.raises(Unreachable, match=r"did not answer the rollout list within 0\.2s"):
        await backend.list_rollouts()
    silent = HttpDeployBackend(backend.options, idle=0.2)
    with pytest.raises(Unreachable, match=r"went silent for 0\.2s"):
        await watched(silent)
    for client in (backend, silent):
        await client.aclose()


async def test_basic_auth_and_extra_headers_reach_the_deployer(stub_server, monkeypatch):
    """The deploy API takes the connection options the metrics store takes, under the same rules."""
    monkeypatch.setenv("RW_TEST_PASSWORD", "pa55")
    stub_server.replies = [Reply(body="[]")]
    options = {"username": "ops", "password_env": "RW_TEST_PASSWORD"}
    client = await backend_for(stub_server.url, headers={"X-Scope-OrgID": "shop"}, **options)
    assert await client.list_rollouts() == []
    sent = stub_server.requests[-1].headers
    assert sent["Authorization"] == "Basic b3BzOnBhNTU="
    assert (sent["X-Scope-OrgID"], sent["Accept"]) == ("shop", "application/json")
    stub_server.replies = [Reply(status=401, body="denied")]
    with pytest.raises(Unauthorized, match=r"HTTP 401, basic auth as ops\): denied") as refused:
        await client.list_rollouts()
    assert "pa55" not in str(refused.value) + repr(client) + repr(client.options)
    await client.aclose()


async def test_tls_trusts_the_ca_file_and_presents_the_client_certificate(tmp_path):
    """A private CA and mutual TLS, as a deployer behind a service mesh's ingress wants them."""
    cert, key = self_signed_cert(tmp_path)
    with stubbed(TlsServer(cert, key, client_ca=cert)) as server:
        server.replies = [Reply(body="[]")]
        untrusting = await backend_for(server.url)
        with pytest.raises(Unreachable, match="set ca_file to the server's CA") as caught:
            await untrusting.list_rollouts()
        assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value.detail)
        anonymous = await backend_for(server.url, ca_file=str(cert))
        with pytest.raises(Unreachable):
            await anonymous.list_rollouts()
        trusted = await backend_for(
            server.url, ca_file=str(cert), cert_file=str(cert), key_file=str(key)
        )
        assert await trusted.list_rollouts() == []
        for client in (untrusting, anonymous, trusted):
            await client.aclose()
