"""Flagger canaries: phases, the rebuilt plan, primary vs target, and the load tester's gates."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from backends.base import Capability
from backends.errors import BackendError, Conflict, Unsupported
from backends.kubernetes.client import Obj
from backends.kubernetes.flagger import adapter as flagger
from backends.kubernetes.flagger import canary as flagger_canary
from backends.kubernetes.objects import DEFAULT_CHANGE_ANNOTATIONS
from backends.model import EventLevel, Expectation, GateStatus, Phase, StepKind
from tests.helpers.fault_server import Answer, Endless, fault_server
from tests.helpers.flagger_objects import canary, workloads
from tests.helpers.kube_fake import FakeKube, FakeLoadTester, build, options, serving

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ID = "test/podinfo"


def snapshot(obj: Obj, objects: list[Obj] | None = None):
    objects = workloads() if objects is None else objects
    deployments = [o for o in objects if o["kind"] == "Deployment"]
    rss = [o for o in objects if o["kind"] == "ReplicaSet"]
    return flagger_canary.to_rollout(
        obj, deployments, rss, keys=DEFAULT_CHANGE_ANNOTATIONS, now=NOW
    )


@pytest.mark.parametrize(
    ("phase", "expected", "awaits", "has_canary"),
    [
        ("Initializing", Phase.PROGRESSING, False, False),
        ("Initialized", Phase.HEALTHY, False, False),
        ("Waiting", Phase.PAUSED, True, True),
        ("Progressing", Phase.PROGRESSING, False, True),
        ("WaitingPromotion", Phase.PAUSED, True, True),
        ("Promoting", Phase.PROGRESSING, False, True),
        ("Finalising", Phase.PROGRESSING, False, True),
        ("Succeeded", Phase.HEALTHY, False, False),
        ("Failed", Phase.DEGRADED, False, True),
        ("Terminating", Phase.PROGRESSING, False, False),
        ("Terminated", Phase.UNKNOWN, False, False),
    ],
)
def test_phases(phase, expected, awaits, has_canary):
    r = snapshot(canary(phase))
    assert (r.phase, r.awaits_decision, r.canary is not None) == (expected, awaits, has_canary)


def test_primary_is_stable_and_target_is_canary():
    r = snapshot(canary())
    assert (r.kind, r.service, r.message) == (
        "flagger",
        "podinfo",
        "New revision detected, progressing canary analysis.",
    )
    assert (r.stable.id, r.stable.workload, r.stable.weight) == ("6b4c8d9f7", "podinfo-primary", 70)
    assert (r.canary.id, r.canary.workload, r.canary.weight) == ("84d5f7c6b9", "podinfo", 30)
    assert r.canary.image == "ghcr.io/stefanprodan/podinfo:6.0.1" and r.stable.replicas == 2
    assert (r.desired_weight, r.actual_weight) == (30, 30)
    assert (r.change.sha, r.change.merged_by) == ("sha-podinfo", "bo")
    bare = snapshot(canary(), [])
    assert (bare.stable.id, bare.canary.id, bare.stable.workload) == (
        "658bbf784f",
        "5c75b466fb",
        "podinfo-primary",
    )


def test_plan_is_rebuilt_from_the_analysis():
    r = snapshot(canary(weight=30))
    assert [s.label for s in r.steps] == [
        "confirm-rollout",
        "setWeight: 10",
        "setWeight: 20",
        "setWeight: 30",
        "setWeight: 40",
        "setWeight: 50",
        "confirm-promotion",
    ]
    assert r.steps[0].waits_for_human and r.steps[-1].waits_for_human and r.steps[-1].weight == 50
    assert r.current_step == 3
    assert snapshot(canary("Waiting", 0)).current_step == 0
    assert snapshot(canary("WaitingPromotion", 50)).current_step == 6
    assert snapshot(canary("Promoting", 0)).current_step == 7
    assert snapshot(canary("Succeeded", 0)).current_step == 7
    assert snapshot(canary("Failed", 0)).current_step is None
    uneven = snapshot(canary(analysis={"stepWeight": 20, "maxWeight": 50}))
    assert [s.weight for s in uneven.steps] == [20, 40, 60]
    listed = snapshot(canary(weight=5, analysis={"stepWeights": [1, 5, 25]}))
    assert [s.weight for s in listed.steps] == [1, 5, 25] and listed.current_step == 1
    iterations = snapshot(canary(weight=0, analysis={"iterations": 4}, iterations=2))
    assert [s.kind for s in iterations.steps] == [StepKind.ANALYSIS] * 4
    assert (iterations.strategy, iterations.current_step) == ("blue-green", 1)


@pytest.mark.parametrize(
    ("phase", "failed", "status", "text"),
    [
        ("Progressing", 2, GateStatus.PENDING, "2 of threshold 5 checks failed; 3 more roll back"),
        (
            "Progressing",
            4,
            GateStatus.PENDING,
            "4 of threshold 5 checks failed; one more rolls back",
        ),
        ("Failed", 5, GateStatus.FAIL, "5 of threshold 5 checks failed"),
        ("Succeeded", 0, GateStatus.PASS, "0 of threshold 5 checks failed"),
    ],
)
def test_flagger_checks_are_a_controller_gate(phase, failed, status, text):
    (gate,) = snapshot(canary(phase, failedChecks=failed)).controller_gates
    assert gate.status == status and gate.explanation.startswith(text)
    assert gate.explanation.endswith("metrics request-success-rate, request-duration")


# -- against the fake API server and load tester ------------------------------------------------


@pytest.fixture
async def fake(tmp_path: Path):
    async with serving(tmp_path) as server:
        for obj in workloads():
            server.put(obj)
        yield server


@pytest.fixture
async def loadtester():
    server = FakeLoadTester()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def backend(fake: FakeKube, loadtester: FakeLoadTester, tmp_path: Path):
    adapter = build(
        flagger.ADAPTER, options(tmp_path, namespace="test", loadtester_url=loadtester.url)
    )
    yield adapter
    await adapter.aclose()


async def confirm(backend: flagger.FlaggerBackend) -> Expectation:
    return Expectation.of(await backend.get_rollout(ID))


BODY = {"name": "podinfo", "namespace": "test"}


@pytest.mark.parametrize(
    "url", ["flagger-loadtester.test/gate", "ftp://flagger-loadtester.test/", "http://", 8080]
)
def test_a_load_tester_url_that_is_not_http_is_refused(url):
    with pytest.raises(ValidationError) as error:
        flagger.ADAPTER.options.model_validate({"loadtester_url": url})
    assert [e["loc"] for e in error.value.errors()] == [("loadtester_url",)]


def test_an_unknown_option_is_refused_by_name():
    with pytest.raises(ValidationError) as error:
        flagger.ADAPTER.options.model_validate({"loadtester": "http://lt.test/"})
    (first,) = error.value.errors()
    assert (first["type"], first["loc"]) == ("extra_forbidden", ("loadtester",))


async def test_without_load_tester_nothing_can_be_decided(fake, tmp_path):
    fake.put(canary("Waiting", 0))
    adapter = build(flagger.ADAPTER, options(tmp_path, namespace="test"))
    assert adapter.capabilities == frozenset()
    with pytest.raises(Unsupported, match="loadtester_url"):
        await adapter.promote(ID, expect=await confirm(adapter))
    await adapter.aclose()


@pytest.mark.parametrize("action", ["pause", "resume", "retry"])
async def test_what_flagger_cannot_do_is_unsupported_and_not_advertised(
    fake, loadtester, backend, action
):
    fake.put(canary("WaitingPromotion", 50))
    seen = await confirm(backend)
    with pytest.raises(Unsupported):
        if action == "retry":
            await backend.retry(ID)
        else:
            await getattr(backend, action)(ID, expect=seen)
    assert Capability(action) not in backend.capabilities
    assert fake.patches() == [] and loadtester.calls() == [], "nothing was sent"


@pytest.mark.parametrize(
    ("waiting", "next_phase"), [("Waiting", "Progressing"), ("WaitingPromotion", "Promoting")]
)
async def test_promote_opens_the_gate_until_the_phase_moves_on(
    fake, loadtester, backend, waiting, next_phase
):
    assert backend.capabilities == {Capability.PROMOTE, Capability.ABORT}
    stored = fake.put(canary(waiting, 0))
    await backend.promote(ID, expect=await confirm(backend))
    assert loadtester.calls() == [("/gate/open", BODY)] and loadtester.open == {"podinfo.test"}
    fake.update(stored, lambda c: c["status"].update(phase=next_phase))
    await loadtester.wait_for(lambda: len(loadtester.requests) == 2)
    assert loadtester.calls()[1] == ("/gate/close", BODY) and loadtester.open == set()
    after = await backend.get_rollout(ID)
    notes = [e for e in after.events if e.actor == "rollwatch"]
    assert [e.message for e in notes] == ["load tester /gate/open", "load tester /gate/close"]
    assert {e.level for e in notes} == {EventLevel.ACTION}


async def test_abort_opens_the_rollback_gate_until_flagger_rolls_back(fake, loadtester, backend):
    stored = fake.put(canary("Progressing", 30))
    await backend.abort(ID, expect=await confirm(backend))
    assert loadtester.open == {"rollback.podinfo.test"}
    fake.update(stored, lambda c: c["status"].update(phase="Failed", canaryWeight=0))
    await loadtester.wait_for(lambda: not loadtester.open)
    assert loadtester.calls() == [("/rollback/open", BODY), ("/rollback/close", BODY)]


async def test_promote_is_refused_when_flagger_is_not_waiting(fake, loadtester, backend):
    fake.put(canary("Progressing", 30))
    with pytest.raises(Conflict, match="not waiting"):
        await backend.promote(ID, expect=await confirm(backend))
    with pytest.raises(Unsupported):
        await backend.promote(ID, expect=await confirm(backend), full=True)
    assert loadtester.requests == []


@pytest.mark.parametrize("action", ["promote", "abort"])
async def test_no_gate_is_opened_when_the_canary_moved_on(fake, loadtester, backend, action):
    stored = fake.put(canary("Waiting", 0))
    expect = await confirm(backend)
    fake.update(stored, lambda c: c["status"].update(phase="Progressing", canaryWeight=10))
    with pytest.raises(Conflict, match="moved on"):
        await getattr(backend, action)(ID, expect=expect)
    assert loadtester.requests == []


async def test_closing_the_backend_closes_an_open_gate(fake, loadtester, tmp_path):
    fake.put(canary("WaitingPromotion", 50))
    adapter = build(
        flagger.ADAPTER, options(tmp_path, namespace="test", loadtester_url=loadtester.url)
    )
    await adapter.promote(ID, expect=await confirm(adapter))
    await adapter.aclose()
    assert loadtester.calls() == [("/gate/open", BODY), ("/gate/close", BODY)]


async def test_watch_follows_the_canary_weight(fake, backend):
    stored = fake.put(canary("Progressing", 10))
    stream = backend.watch_rollout(ID)
    assert (await anext(stream)).actual_weight == 10
    fake.update(stored, lambda c: c["status"].update(canaryWeight=20))
    second = await anext(stream)
    assert (second.actual_weight, second.current_step) == (20, 2)
    await stream.aclose()


async def test_list_rollouts(fake, backend):
    fake.put(canary("WaitingPromotion", 50))
    (summary,) = await backend.list_rollouts()
    assert (summary.id, summary.kind, summary.awaits_decision, summary.stable_revision) == (
        ID,
        "flagger",
        True,
        "6b4c8d9f7",
    )


async def test_list_rollouts_in_all_namespaces_keeps_namespaces_apart(fake, tmp_path):
    fake.put(canary("Succeeded", 0))
    other = canary("Progressing", 10)
    other["metadata"] = {**other["metadata"], "namespace": "prod", "uid": "uid-prod"}
    fake.put(other)
    for obj in workloads():
        obj["metadata"] = {
            **obj["metadata"],
            "namespace": "prod",
            "uid": "prod-" + obj["metadata"]["name"],
        }
        if obj["kind"] == "ReplicaSet":
            obj["metadata"]["labels"] = {
                **obj["metadata"]["labels"],
                "pod-template-hash": "prod" + obj["metadata"]["labels"]["pod-template-hash"],
            }
            obj["metadata"]["ownerReferences"][0]["uid"] = (
                "prod-" + obj["metadata"]["ownerReferences"][0]["name"]
            )
        fake.put(obj)
    adapter = build(flagger.ADAPTER, options(tmp_path, all_namespaces=True))
    summaries = {s.id: s for s in await adapter.list_rollouts()}
    await adapter.aclose()
    assert summaries["test/podinfo"].stable_revision == "6b4c8d9f7"
    assert summaries["prod/podinfo"].stable_revision == "prod6b4c8d9f7"
    assert summaries["prod/podinfo"].canary_revision == "prod84d5f7c6b9"


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (Endless(status=500, head=b"denied ", cap=8 << 20), "is larger than 1 MiB"),
        (
            Answer(500, "denied \x1b]0;owned\x07 for gate:s3cret-pw", "text/plain"),
            "answered 500: denied \\x1b]0;owned\\x07 for gate:***",
        ),
    ],
)
async def test_a_hostile_load_tester_is_quoted_short_printable_and_without_its_password(
    fake, tmp_path, answer, said
):
    """Its URL may carry basic auth; its answer may be endless, or hold escape sequences."""
    fake.put(canary("WaitingPromotion", 50))
    async with fault_server() as tester:
        tester.always(answer)
        url = tester.url.replace("http://", "http://gate:s3cret-pw@")
        adapter = build(flagger.ADAPTER, options(tmp_path, namespace="test", loadtester_url=url))
        try:
            with pytest.raises(BackendError) as caught:
                await adapter.promote(ID, expect=await confirm(adapter))
        finally:
            await adapter.aclose()
    text = str(caught.value)
    assert said in text
    assert "\x1b" not in text and "s3cret-pw" not in text and len(text) < 400
