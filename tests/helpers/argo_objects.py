"""Argo Rollouts objects as the controller writes them, for the adapter tests and the contract.

Written from the facts in the shared API reference (status fields, pause conditions, the
`rollouts-pod-template-hash` label); the fake API server stores them as given.
"""

from __future__ import annotations

from typing import Any

from backends.kubernetes.client import Obj
from tests.helpers.kube_fake import replicaset

STEPS = [{"setWeight": 25}, {"pause": {}}, {"setWeight": 50}, {"pause": {"duration": "10m"}}]


def rollout(
    *,
    index: int | None = 1,
    steps: list[Obj] | None = None,
    status: dict[str, Any] | None = None,
    spec: dict[str, Any] | None = None,
) -> Obj:
    """A v1.x canary Rollout paused at its first pause step, 1 of 4 pods updated."""
    base_status: Obj = {
        "observedGeneration": "3",
        "phase": "Paused",
        "message": "CanaryPauseStep",
        "currentPodHash": "bbb222",
        "stableRS": "aaa111",
        "replicas": 4,
        "updatedReplicas": 1,
        "readyReplicas": 4,
        "availableReplicas": 4,
        "controllerPause": True,
        "pauseConditions": [{"reason": "CanaryPauseStep", "startTime": "2026-03-01T11:00:00Z"}],
        "conditions": [
            {
                "type": "Progressing",
                "status": "Unknown",
                "reason": "RolloutPaused",
                "message": "Rollout is paused",
                "lastTransitionTime": "2026-03-01T11:00:00Z",
                "lastUpdateTime": "2026-03-01T11:00:00Z",
            }
        ],
    }
    if index is not None:
        base_status["currentStepIndex"] = index
    obj: Obj = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {
            "name": "web",
            "namespace": "shop",
            "uid": "uid-web",
            "generation": 3,
            "resourceVersion": "41",
            "annotations": {"rollwatch.io/title": "Cache the cart"},
        },
        "spec": {
            "replicas": 4,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"canary": {"steps": STEPS if steps is None else steps}},
            "template": {
                "metadata": {
                    "labels": {"app": "web"},
                    "annotations": {
                        "rollwatch.io/commit": "0123456789abcdef",
                        "rollwatch.io/author": "ana",
                    },
                },
                "spec": {"containers": [{"name": "app", "image": "registry.example.com/web:2"}]},
            },
            **(spec or {}),
        },
        "status": {**base_status, **(status or {})},
    }
    return obj


def replicasets(ro: Obj, canary_available: int = 1) -> list[Obj]:
    return [
        replicaset(ro, "aaa111", 1, replicas=3, image="registry.example.com/web:1"),
        replicaset(
            ro,
            "bbb222",
            2,
            replicas=1,
            available=canary_available,
            image="registry.example.com/web:2",
        ),
        replicaset(ro, "ccc000", 0, replicas=0, image="registry.example.com/web:0"),
    ]
