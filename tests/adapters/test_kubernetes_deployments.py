"""Plain Deployments: `kubectl rollout status` messages, old vs new ReplicaSet, kubectl patches."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from backends.base import Capability
from backends.errors import Conflict, NotFound, Unsupported
from backends.kubernetes import deployments as k8s
from backends.kubernetes.client import Obj
from backends.kubernetes.objects import DEFAULT_CHANGE_ANNOTATIONS
from backends.model import Expectation, Phase
from tests.helpers.deployment_objects import HASHES, deployment, replicasets
from tests.helpers.kube_fake import FakeKube, build, options

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ID = "shop/api"


def snapshot(dep: Obj, rss: list[Obj] | None = None):
    rss = replicasets(dep) if rss is None else rss
    return k8s.to_rollout(dep, rss, keys=DEFAULT_CHANGE_ANNOTATIONS, now=NOW)


WAITING = 'Waiting for deployment "api" rollout to finish: '


@pytest.mark.parametrize(
    ("status", "generation", "expected"),
    [
        ({}, 3, (Phase.PROGRESSING, "Waiting for deployment spec update to be observed...")),
        ({}, 2, (Phase.PROGRESSING, f"{WAITING}2 out of 4 new replicas have been updated...")),
        (
            {"updatedReplicas": 4},
            2,
            (Phase.PROGRESSING, f"{WAITING}1 old replicas are pending termination..."),
        ),
        (
            {"updatedReplicas": 4, "replicas": 4, "availableReplicas": 3},
            2,
            (Phase.PROGRESSING, f"{WAITING}3 of 4 updated replicas are available..."),
        ),
        (
            {"updatedReplicas": 4, "replicas": 4},
            2,
            (Phase.HEALTHY, 'deployment "api" successfully rolled out'),
        ),
        (
            {
                "conditions": [
                    {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}
                ]
            },
            2,
            (Phase.DEGRADED, 'deployment "api" exceeded its progress deadline'),
        ),
    ],
)
def test_progress_reads_like_kubectl_rollout_status(status, generation, expected):
    assert k8s.rollout_status(deployment(status=status, generation=generation)) == expected


def test_old_replicaset_is_stable_and_new_one_is_canary():
    r = snapshot(deployment())
    assert (r.kind, r.strategy, r.phase) == ("kubernetes", "rolling", Phase.PROGRESSING)
    assert (r.stable.id, r.stable.workload, r.stable.image) == (
        HASHES[1],
        "api-5d8f9c7b6a",
        "registry.example.com/api:1",
    )
    assert r.canary is not None
    assert (r.canary.id, r.canary.workload, r.canary.replicas) == (HASHES[2], "api-7f6b8d9c5e", 2)
    assert (r.actual_weight, r.canary.weight, r.stable.weight, r.desired_weight) == (
        25,
        25,
        75,
        100,
    )
    assert (r.steps, r.current_step, r.pause) == ([], None, None)
    assert (r.change.sha, r.change.url) == ("c0ffee", "https://git.example.com/api/pull/7")


def test_finished_rollout_has_only_a_stable_revision():
    done = deployment(status={"updatedReplicas": 4, "replicas": 4})
    r = snapshot(done, replicasets(done, old=0, new=4, new_available=4))
    assert (r.phase, r.canary, r.stable.id, r.actual_weight) == (
        Phase.HEALTHY,
        None,
        HASHES[2],
        100,
    )


def test_pause_is_the_confirmation_gate():
    paused = deployment(spec={"paused": True})
    paused["status"]["conditions"].append(
        {
            "type": "Progressing",
            "status": "Unknown",
            "reason": "DeploymentPaused",
            "lastTransitionTime": "2026-03-01T11:40:00Z",
        }
    )
    r = snapshot(paused)
    assert r.phase == Phase.PAUSED and r.awaits_decision
    assert r.pause.since == datetime(2026, 3, 1, 11, 40, tzinfo=UTC)
    assert r.message.startswith(WAITING)
    done = deployment(spec={"paused": True}, status={"updatedReplicas": 4, "replicas": 4})
    r = snapshot(done)
    assert r.phase == Phase.HEALTHY and not r.awaits_decision


def test_undo_patch_is_kubectls_json_patch():
    dep = deployment()
    previous = replicasets(dep)[0]
    template, annotations = k8s.undo_patch(dep, previous)
    assert template["op"] == annotations["op"] == "replace"
    assert template["path"] == "/spec/template" and annotations["path"] == "/metadata/annotations"
    assert template["value"]["metadata"]["labels"] == {"app": "api"}
    assert template["value"]["spec"]["containers"][0]["image"] == "registry.example.com/api:1"
    assert annotations["value"] == {
        k8s.REVISION: "2",
        "kubectl.kubernetes.io/last-applied-configuration": "{}",
    }


# -- against the fake API server ----------------------------------------------------------------


@pytest.fixture
async def backend(fake: FakeKube, tmp_path: Path):
    adapter = build(k8s.ADAPTER, options(tmp_path, namespace="shop"))
    yield adapter
    await adapter.aclose()


def seed(fake: FakeKube, dep: Obj) -> Obj:
    stored = fake.put(dep)
    for rs in replicasets(dep):
        fake.put(rs)
    return stored


async def confirm(backend: k8s.DeploymentBackend) -> Expectation:
    return Expectation.of(await backend.get_rollout(ID))


STRATEGIC = "application/strategic-merge-patch+json"


def test_capabilities():
    assert k8s.DeploymentBackend.capabilities == {
        Capability.PROMOTE,
        Capability.ABORT,
        Capability.PAUSE,
        Capability.RESUME,
    }


async def test_pause_and_resume_send_kubectls_strategic_merge_patches(fake, backend):
    seed(fake, deployment())
    paused = await backend.pause(ID, expect=await confirm(backend))
    assert paused.phase == Phase.PAUSED
    resumed = await backend.resume(ID, expect=await confirm(backend))
    assert resumed.phase == Phase.PROGRESSING
    assert [(p.path, p.content_type, p.json()) for p in fake.patches()] == [
        ("/apis/apps/v1/namespaces/shop/deployments/api", STRATEGIC, {"spec": {"paused": True}}),
        ("/apis/apps/v1/namespaces/shop/deployments/api", STRATEGIC, {"spec": {"paused": None}}),
    ]


async def test_promote_resumes_a_paused_deployment(fake, backend):
    seed(fake, deployment(spec={"paused": True}))
    await backend.promote(ID, expect=await confirm(backend))
    assert [p.json() for p in fake.patches()] == [{"spec": {"paused": None}}]
    with pytest.raises(Conflict, match="not paused"):
        await backend.promote(ID, expect=await confirm(backend))
    with pytest.raises(Unsupported):
        await backend.promote(ID, expect=await confirm(backend), full=True)
    with pytest.raises(Unsupported):
        await backend.retry(ID)
    assert len(fake.patches()) == 1


async def test_abort_undoes_to_the_previous_revision(fake, backend):
    seed(fake, deployment())
    await backend.abort(ID, expect=await confirm(backend))
    (patch,) = fake.patches()
    assert patch.content_type == "application/json-patch+json"
    assert patch.json() == k8s.undo_patch(deployment(), replicasets(deployment())[0])
    stored = fake.get("apps/v1", "deployments", "shop", "api")
    assert (
        stored["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.example.com/api:1"
    )
    assert stored["metadata"]["generation"] == 3


async def test_abort_of_a_paused_deployment_undoes_then_resumes(fake, backend):
    seed(fake, deployment(spec={"paused": True}))
    await backend.abort(ID, expect=await confirm(backend))
    assert [p.content_type for p in fake.patches()] == ["application/json-patch+json", STRATEGIC]
    assert fake.patches()[1].json() == {"spec": {"paused": None}}


async def test_abort_without_history(fake, backend):
    fake.put(deployment(revision=1))
    fake.put(replicasets(deployment())[0])
    with pytest.raises(NotFound, match="no rollout history"):
        await backend.abort(ID, expect=await confirm(backend))
    assert fake.patches() == []


@pytest.mark.parametrize("action", ["pause", "abort", "promote"])
async def test_no_patch_when_the_deployment_moved_on(fake, backend, action):
    stored = seed(fake, deployment(spec={"paused": action == "promote"}))
    expect = await confirm(backend)
    fake.update(stored, lambda d: d["status"].update(updatedReplicas=3))
    with pytest.raises(Conflict, match="moved on"):
        await getattr(backend, action)(ID, expect=expect)
    assert fake.patches() == []


async def test_watch_follows_the_rollout_to_the_end(fake, backend):
    stored = seed(fake, deployment())
    stream = backend.watch_rollout(ID)
    first = await anext(stream)
    assert first.actual_weight == 25
    old, new = replicasets(stored)
    fake.put(
        {
            **new,
            "status": {**new["status"], "replicas": 4, "availableReplicas": 4, "readyReplicas": 4},
        }
    )
    fake.put({**old, "spec": {**old["spec"], "replicas": 0}, "status": {"replicas": 0}})
    fake.update(
        stored, lambda d: d["status"].update(updatedReplicas=4, replicas=4, availableReplicas=4)
    )
    while (snapshot_ := await anext(stream)).phase != Phase.HEALTHY:
        assert snapshot_.phase == Phase.PROGRESSING
    assert snapshot_.canary is None and snapshot_.stable.id == HASHES[2]
    await stream.aclose()


async def test_list_rollouts(fake, backend):
    seed(fake, deployment())
    (summary,) = await backend.list_rollouts()
    assert (summary.id, summary.kind, summary.canary_revision) == (ID, "kubernetes", HASHES[2])


def test_an_unknown_option_is_refused_by_name():
    with pytest.raises(ValidationError) as error:
        k8s.ADAPTER.options.model_validate({"namespace": "shop", "all_namespace": True})
    (first,) = error.value.errors()
    assert (first["type"], first["loc"]) == ("extra_forbidden", ("all_namespace",))
