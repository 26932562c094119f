"""The Argo Rollouts adapter: the CLI's phase, step and weights, and the CLI's exact patches."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from backends.base import Capability
from backends.errors import Conflict
from backends.kubernetes.argo import adapter as argo
from backends.kubernetes.argo import phase as ap
from backends.kubernetes.client import Obj
from backends.kubernetes.objects import DEFAULT_CHANGE_ANNOTATIONS
from backends.kubernetes.options import KubeOptions
from backends.model import Expectation, GateSource, GateStatus, Phase, StepKind
from tests.helpers.argo_objects import STEPS, replicasets, rollout
from tests.helpers.kube_fake import FakeKube, build, options

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ID = "shop/web"


def analysis_run(ro: Obj, *, failed: int, limit: int, phase: str = "Running") -> Obj:
    measurements = [{"phase": "Successful", "value": "[0.99]"}] * 2 + [
        {"phase": "Failed", "value": "[0.91]"}
    ] * failed
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisRun",
        "metadata": {
            "name": "web-bbb222-2",
            "namespace": "shop",
            "labels": {"rollout-type": "Background", ap.HASH_LABEL: "bbb222"},
            "ownerReferences": [{"kind": "Rollout", "name": "web", "uid": "uid-web"}],
        },
        "spec": {"metrics": [{"name": "success-rate", "failureLimit": limit, "count": 10}]},
        "status": {
            "phase": phase,
            "metricResults": [
                {
                    "name": "success-rate",
                    "phase": phase,
                    "count": 2 + failed,
                    "successful": 2,
                    "failed": failed,
                    "measurements": measurements,
                }
            ],
        },
    }


def snapshot(ro: Obj, rss: list[Obj] | None = None, runs: list[Obj] | None = None):
    return argo.to_rollout(
        ro,
        replicasets(ro) if rss is None else rss,
        runs or [],
        keys=DEFAULT_CHANGE_ANNOTATIONS,
        now=NOW,
    )


def test_paused_canary_reads_as_the_cli_shows_it():
    r = snapshot(rollout())
    assert (r.id, r.kind, r.phase, r.message) == (ID, "argo", Phase.PAUSED, "CanaryPauseStep")
    assert r.current_step == 1 and r.step_count == 4
    assert [s.kind for s in r.steps] == [
        StepKind.SET_WEIGHT,
        StepKind.PAUSE,
        StepKind.SET_WEIGHT,
        StepKind.BAKE,
    ]
    assert [s.weight for s in r.steps] == [25, 25, 50, 50]
    assert r.steps[3].duration == timedelta(minutes=10) and r.steps[3].label == "pause: 10m"
    assert (r.desired_weight, r.actual_weight) == (25, 25)
    assert (r.stable.id, r.stable.workload, r.stable.replicas) == ("aaa111", "web-aaa111", 3)
    assert r.stable.image == "registry.example.com/web:1" and r.stable.weight == 75
    assert r.canary is not None
    assert (r.canary.id, r.canary.workload, r.canary.image) == (
        "bbb222",
        "web-bbb222",
        "registry.example.com/web:2",
    )
    assert r.awaits_decision and r.pause is not None and r.pause.until is None
    assert (r.change.sha, r.change.author, r.change.title) == (
        "0123456789abcdef",
        "ana",
        "Cache the cart",
    )
    assert r.version == "41"
    assert r.events[0].message == "Progressing: Rollout is paused"


def test_actual_weight_counts_available_canary_pods_without_traffic_routing():
    assert snapshot(rollout(), replicasets(rollout(), canary_available=0)).actual_weight == 0
    done = rollout(index=4, status={"stableRS": "bbb222", "phase": "Healthy", "message": ""})
    r = snapshot(done)
    assert (r.actual_weight, r.desired_weight, r.canary) == (100, 100, None)
    assert r.stable.id == "bbb222" and r.stable.weight == 100


def test_traffic_routing_weight_comes_from_the_router_or_the_step():
    routed = rollout(
        spec={"strategy": {"canary": {"steps": STEPS, "trafficRouting": {"istio": {}}}}}
    )
    assert snapshot(routed).actual_weight == 25
    routed["status"]["canary"] = {"weights": {"canary": {"weight": 20}, "stable": {"weight": 80}}}
    assert snapshot(routed).actual_weight == 20
    routed["status"]["availableReplicas"] = 0
    assert snapshot(routed).actual_weight == 0


def test_timed_pause_resumes_by_itself():
    r = snapshot(
        rollout(
            index=3,
            status={
                "pauseConditions": [
                    {"reason": "CanaryPauseStep", "startTime": "2026-03-01T11:00:00Z"}
                ]
            },
        )
    )
    assert r.pause is not None and not r.pause.awaits_decision
    assert r.pause.until == datetime(2026, 3, 1, 11, 10, tzinfo=UTC)
    inconclusive = {
        "pauseConditions": [
            {"reason": "InconclusiveAnalysisRun", "startTime": "2026-03-01T11:00:00Z"}
        ]
    }
    assert snapshot(rollout(index=3, status=inconclusive)).awaits_decision
    assert snapshot(rollout(spec={"paused": True})).pause.reason == "manually paused"


LEGACY = {"phase": None, "message": None, "controllerPause": None, "pauseConditions": None}


@pytest.mark.parametrize(
    ("status", "spec", "expected"),
    [
        (
            {"observedGeneration": "2"},
            {},
            ("Progressing", "waiting for rollout spec update to be observed"),
        ),
        ({"observedGeneration": "abc123"}, {}, ("Progressing", "more replicas need to be updated")),
        ({"controllerPause": True}, {}, ("Progressing", "waiting for rollout to unpause")),
        ({}, {"paused": True}, ("Paused", "manually paused")),
        ({"pauseConditions": [{"reason": "CanaryPauseStep"}]}, {}, ("Paused", "CanaryPauseStep")),
        (
            {"conditions": [{"type": "InvalidSpec", "message": "bad"}]},
            {},
            ("Degraded", "InvalidSpec: bad"),
        ),
        (
            {
                "conditions": [
                    {"type": "Progressing", "reason": "ProgressDeadlineExceeded", "message": "slow"}
                ]
            },
            {},
            ("Degraded", "ProgressDeadlineExceeded: slow"),
        ),
        ({}, {"restartAt": "2026-03-01T10:00:00Z"}, ("Progressing", "rollout is restarting")),
        (
            {"updatedReplicas": 4, "availableReplicas": 3},
            {},
            ("Progressing", "updated replicas are still becoming available"),
        ),
        (
            {"updatedReplicas": 4, "replicas": 5},
            {},
            ("Progressing", "old replicas are pending termination"),
        ),
        ({"updatedReplicas": 4}, {}, ("Progressing", "waiting for all steps to complete")),
        ({"updatedReplicas": 4, "stableRS": "bbb222"}, {}, ("Healthy", "")),
    ],
)
def test_objects_without_status_phase_are_computed_like_the_cli(status, spec, expected):
    ro = rollout(status={**LEGACY, "conditions": [], **status}, spec=spec)
    ro["status"] = {k: v for k, v in ro["status"].items() if v is not None}
    assert ap.rollout_phase(ro) == expected


def test_workload_generation_must_be_observed():
    ro = rollout(spec={"workloadRef": {"kind": "Deployment", "name": "web"}})
    ro["metadata"]["annotations"][ap.WORKLOAD_GENERATION] = "2"
    ro["status"]["workloadObservedGeneration"] = "1"
    assert (
        ap.rollout_phase(ro)[1]
        == "waiting for rollout spec update to be observed for the reference workload"
    )
    ro["status"]["workloadObservedGeneration"] = "2"
    assert ap.rollout_phase(ro) == ("Paused", "CanaryPauseStep")


def test_blue_green_revisions_and_messages():
    ro = rollout(index=None, status={**LEGACY, "conditions": [], "updatedReplicas": 4})
    ro["spec"]["strategy"] = {
        "blueGreen": {"activeService": "web", "previewService": "web-preview"}
    }
    ro["status"]["blueGreen"] = {"activeSelector": "aaa111", "previewSelector": "bbb222"}
    ro["status"] = {k: v for k, v in ro["status"].items() if v is not None}
    r = snapshot(ro)
    assert (r.strategy, r.phase, r.message) == (
        "blue-green",
        Phase.PROGRESSING,
        "active service cutover pending",
    )
    assert (r.stable.id, r.canary.id, r.actual_weight, r.current_step) == (
        "aaa111",
        "bbb222",
        0,
        None,
    )
    ro["status"]["blueGreen"]["activeSelector"] = "bbb222"
    r = snapshot(ro)
    assert (
        r.message == "waiting for post-promotion verification to complete"
        and r.actual_weight == 100
    )


def test_abort_by_a_user_is_told_from_an_abort_by_analysis():
    aborted = {
        "phase": "Degraded",
        "message": "RolloutAborted: Rollout aborted update to revision 2",
        "abort": True,
        "conditions": [
            {
                "type": "Progressing",
                "reason": "RolloutAborted",
                "message": "Rollout aborted update to revision 2",
            }
        ],
    }
    r = snapshot(rollout(status=aborted))
    assert r.phase == Phase.ABORTED and r.desired_weight == 0
    failed = copy.deepcopy(aborted)
    failed["conditions"][0]["message"] += (
        ': Metric "success-rate" assessed Failed due to failed (2) > failureLimit (1)'
    )
    assert snapshot(rollout(status=failed)).phase == Phase.DEGRADED
    failed_run = {
        **aborted,
        "canary": {"currentStepAnalysisRunStatus": {"name": "x", "status": "Failed"}},
    }
    assert snapshot(rollout(status=failed_run)).phase == Phase.DEGRADED


@pytest.mark.parametrize(
    ("failed", "limit", "phase", "status", "text"),
    [
        (2, 3, "Running", GateStatus.PENDING, "2 of failureLimit 3 failed; 2 more abort"),
        (3, 3, "Running", GateStatus.PENDING, "3 of failureLimit 3 failed; one more aborts"),
        (
            4,
            3,
            "Failed",
            GateStatus.FAIL,
            "Failed; 4 of failureLimit 3 failed; latest [0.91], [0.91], [0.91]",
        ),
        (0, -1, "Successful", GateStatus.PASS, "0 failed, failure limit disabled"),
    ],
)
def test_analysis_runs_become_controller_gates(failed, limit, phase, status, text):
    ro = rollout(
        status={
            "canary": {
                "currentBackgroundAnalysisRunStatus": {"name": "web-bbb222-2", "status": phase}
            }
        }
    )
    (gate,) = snapshot(
        ro, runs=[analysis_run(ro, failed=failed, limit=limit, phase=phase)]
    ).controller_gates
    assert (
        gate.source == GateSource.CONTROLLER and gate.status == status and text in gate.explanation
    )
    assert (gate.name, gate.metric, gate.classification) == (
        "success-rate (background analysis)",
        "success-rate",
        phase,
    )
    assert (gate.samples, gate.samples_needed) == (2 + failed, 10)


def test_runs_of_other_rollouts_or_revisions_are_not_gates():
    ro = rollout()
    foreign = analysis_run(ro, failed=0, limit=1)
    foreign["metadata"]["ownerReferences"][0]["uid"] = "uid-other"
    old = analysis_run(ro, failed=0, limit=1)
    old["metadata"]["labels"][ap.HASH_LABEL] = "aaa111"
    assert snapshot(ro, runs=[foreign, old]).controller_gates == []


def test_change_annotation_keys_are_configurable():
    keys = KubeOptions.model_validate(
        {"change_annotations": {"sha": "ci.example.com/sha"}}
    ).change_annotations.keys()
    ro = rollout()
    ro["spec"]["template"]["metadata"]["annotations"]["ci.example.com/sha"] = "feedface"
    r = argo.to_rollout(ro, [], [], keys=keys, now=NOW)
    assert (r.change.sha, r.change.title) == ("feedface", "Cache the cart")
    with pytest.raises(ValidationError, match=r"change_annotations\.commit"):
        KubeOptions.model_validate({"change_annotations": {"commit": "x"}})


@pytest.mark.parametrize(
    ("table", "option"),
    [
        ({"namespce": "shop"}, "namespce"),
        ({"namespace": 3}, "namespace"),
        ({"timeout": 0}, "timeout"),
        ({"backoff": -1}, "backoff"),
        ({"max_failures": 0}, "max_failures"),
        ({"events": "sometimes"}, "events"),
    ],
)
def test_bad_options_are_refused_by_name(table: dict[str, Any], option: str):
    with pytest.raises(ValidationError) as error:
        argo.ADAPTER.options.model_validate(table)
    assert [e["loc"] for e in error.value.errors()] == [(option,)]


# -- against the fake API server ----------------------------------------------------------------


@pytest.fixture
async def backend(fake: FakeKube, tmp_path: Path):
    adapter = build(argo.ADAPTER, options(tmp_path, namespace="shop"))
    yield adapter
    await adapter.aclose()


def seed(fake: FakeKube, ro: Obj) -> Obj:
    stored = fake.put(ro)
    for rs in replicasets(ro):
        fake.put(rs)
    return stored


def sent(fake: FakeKube) -> list[tuple[str, str | None, Any]]:
    return [(p.path.rsplit("/", 1)[-1], p.content_type, p.json()) for p in fake.patches()]


MERGE = "application/merge-patch+json"


async def confirm(backend: argo.ArgoRolloutsBackend) -> Expectation:
    return Expectation.of(await backend.get_rollout(ID))


def test_capabilities():
    assert argo.ArgoRolloutsBackend.capabilities == frozenset(Capability)


@pytest.mark.parametrize(
    ("status", "spec", "expected"),
    [
        ({}, {}, [("status", MERGE, {"status": {"pauseConditions": None}})]),
        (
            {"pauseConditions": None, "controllerPause": False, "currentStepIndex": 2},
            {},
            [("status", MERGE, {"status": {"pauseConditions": None, "currentStepIndex": 3}})],
        ),
        (
            {"pauseConditions": None, "controllerPause": False, "currentStepIndex": 4},
            {},
            [("status", MERGE, {"status": {"pauseConditions": None, "currentStepIndex": 4}})],
        ),
        (
            {"canary": {"currentStepAnalysisRunStatus": {"name": "r", "status": "Inconclusive"}}},
            {},
            [
                (
                    "status",
                    MERGE,
                    {
                        "status": {
                            "pauseConditions": None,
                            "controllerPause": False,
                            "currentStepIndex": 2,
                        }
                    },
                )
            ],
        ),
        (
            {},
            {"paused": True},
            [
                ("status", MERGE, {"status": {"pauseConditions": None}}),
                ("web", MERGE, {"spec": {"paused": False}}),
            ],
        ),
    ],
)
async def test_promote_sends_the_cli_patches(fake, backend, status, spec, expected):
    seed(fake, rollout(status=status, spec=spec))
    promoted = await backend.promote(ID, expect=await confirm(backend))
    assert sent(fake) == expected
    assert (
        promoted.version
        == fake.get("argoproj.io/v1alpha1", "rollouts", "shop", "web")["metadata"][
            "resourceVersion"
        ]
    )


async def test_promote_without_status_subresource_falls_back_to_the_main_resource(fake, backend):
    fake.without_status_subresource.add(("argoproj.io/v1alpha1", "rollouts"))
    seed(fake, rollout(status={"pauseConditions": None, "controllerPause": False}))
    await backend.promote(ID, expect=await confirm(backend))
    unified = {
        "spec": {"paused": False},
        "status": {"pauseConditions": None, "currentStepIndex": 2},
    }
    assert sent(fake) == [
        ("status", MERGE, {"status": {"pauseConditions": None, "currentStepIndex": 2}}),
        ("web", MERGE, unified),
    ]
    assert (
        fake.get("argoproj.io/v1alpha1", "rollouts", "shop", "web")["status"]["currentStepIndex"]
        == 2
    )


async def test_blue_green_without_pause_conditions_sends_nothing(fake, backend):
    ro = rollout(index=None, status={"pauseConditions": None, "controllerPause": False})
    ro["spec"]["strategy"] = {"blueGreen": {"activeService": "web"}}
    seed(fake, ro)
    await backend.promote(ID, expect=await confirm(backend))
    assert sent(fake) == []


@pytest.mark.parametrize(
    ("status", "spec", "expected"),
    [
        ({}, {}, [("status", MERGE, {"status": {"promoteFull": True}})]),
        (
            {},
            {"paused": True},
            [
                ("status", MERGE, {"status": {"promoteFull": True}}),
                ("web", MERGE, {"spec": {"paused": False}}),
            ],
        ),
        ({"stableRS": "bbb222"}, {}, []),
    ],
)
async def test_full_promotion(fake, backend, status, spec, expected):
    seed(fake, rollout(status=status, spec=spec))
    await backend.promote(ID, expect=await confirm(backend), full=True)
    assert sent(fake) == expected


async def test_full_promotion_on_v09_sends_the_unified_patch(fake, backend):
    fake.without_status_subresource.add(("argoproj.io/v1alpha1", "rollouts"))
    seed(fake, rollout())
    await backend.promote(ID, expect=await confirm(backend), full=True)
    assert sent(fake)[1] == (
        "web",
        MERGE,
        {"spec": {"paused": False}, "status": {"promoteFull": True}},
    )


async def test_abort_retry_pause_resume(fake, backend):
    seed(fake, rollout())
    aborted = await backend.abort(ID, expect=await confirm(backend))
    assert aborted.desired_weight == 0
    await backend.retry(ID)
    await backend.pause(ID, expect=await confirm(backend))
    await backend.resume(ID, expect=await confirm(backend))
    assert sent(fake) == [
        ("status", MERGE, {"status": {"abort": True}}),
        ("status", MERGE, {"status": {"abort": False}}),
        ("web", MERGE, {"spec": {"paused": True}}),
        ("web", MERGE, {"spec": {"paused": False}}),
    ]


async def test_abort_on_v09_patches_the_main_resource(fake, backend):
    fake.without_status_subresource.add(("argoproj.io/v1alpha1", "rollouts"))
    seed(fake, rollout())
    await backend.abort(ID, expect=await confirm(backend))
    assert [p[0] for p in sent(fake)] == ["status", "web"]
    assert fake.get("argoproj.io/v1alpha1", "rollouts", "shop", "web")["status"]["abort"] is True


@pytest.mark.parametrize("action", ["promote", "abort", "pause", "resume"])
@pytest.mark.parametrize("stale", ["version", "step", "canary_revision"])
async def test_no_patch_when_the_rollout_moved_on(fake, backend, action, stale):
    stored = seed(fake, rollout())
    expect = await confirm(backend)
    if stale == "version":
        fake.update(stored, lambda ro: ro["status"].update(readyReplicas=3))
    elif stale == "step":
        fake.update(stored, lambda ro: ro["status"].update(currentStepIndex=2))
    else:
        fake.update(stored, lambda ro: ro["status"].update(currentPodHash="ddd333"))
    with pytest.raises(Conflict, match="moved on"):
        await getattr(backend, action)(ID, expect=expect)
    assert fake.patches() == []


async def test_analysis_measurements_reach_the_watch_without_a_rollout_change(fake, backend):
    ro = seed(
        fake,
        rollout(
            status={
                "canary": {
                    "currentBackgroundAnalysisRunStatus": {
                        "name": "web-bbb222-2",
                        "status": "Running",
                    }
                }
            }
        ),
    )
    run = fake.put(analysis_run(ro, failed=0, limit=2))
    stream = backend.watch_rollout(ID)
    first = await anext(stream)
    assert "0 of failureLimit 2 failed; 3 more abort" in first.controller_gates[0].explanation
    fake.put({**run, "status": analysis_run(ro, failed=2, limit=2)["status"]})
    second = await anext(stream)
    assert "2 of failureLimit 2 failed; one more aborts" in second.controller_gates[0].explanation
    assert second.version == first.version
    await stream.aclose()


async def test_list_rollouts(fake, backend):
    seed(fake, rollout())
    (summary,) = await backend.list_rollouts()
    assert (
        summary.id,
        summary.canary_weight,
        summary.canary_revision,
        summary.awaits_decision,
    ) == (ID, 25, "bbb222", True)


async def test_kubernetes_events_join_the_timeline_when_asked(fake, tmp_path):
    seed(fake, rollout())
    fake.put(
        {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": "web.1", "namespace": "shop"},
            "involvedObject": {"kind": "Rollout", "name": "web", "namespace": "shop"},
            "reason": "RolloutAborted",
            "message": "Rollout aborted update to revision 2",
            "type": "Warning",
            "source": {"component": "rollouts-controller"},
            "lastTimestamp": "2026-03-01T11:30:00Z",
        }
    )
    adapter = build(argo.ADAPTER, options(tmp_path, namespace="shop", events=True))
    r = await adapter.get_rollout(ID)
    await adapter.aclose()
    (event,) = [e for e in r.events if e.actor == "rollouts-controller"]
    assert event.message == "RolloutAborted: Rollout aborted update to revision 2"
    assert event.level == "warning" and r.events[-1] is event
