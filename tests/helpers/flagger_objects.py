"""Flagger canaries and the Deployments they split, for the adapter tests and the contract.

The canary's status is written as Flagger's status.go has it (phase, canaryWeight, failedChecks
and iterations always present); its webhooks point at the load tester's gates.
"""

from __future__ import annotations

from typing import Any

from backends.kubernetes.client import Obj
from tests.helpers.kube_fake import replicaset

HOOKS = [
    {"name": "ask", "type": "confirm-rollout", "url": "http://flagger-loadtester.test/gate/check"},
    {"name": "load-test", "type": "rollout", "url": "http://flagger-loadtester.test/"},
    {
        "name": "promote?",
        "type": "confirm-promotion",
        "url": "http://flagger-loadtester.test/gate/check",
    },
    {"name": "stop?", "type": "rollback", "url": "http://flagger-loadtester.test/rollback/check"},
]


def canary(
    phase: str = "Progressing",
    weight: int = 30,
    *,
    analysis: dict[str, Any] | None = None,
    **status: Any,
) -> Obj:
    messages = {
        "Progressing": "New revision detected, progressing canary analysis.",
        "Waiting": "Waiting for approval.",
    }
    return {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "Canary",
        "metadata": {
            "name": "podinfo",
            "namespace": "test",
            "uid": "uid-canary",
            "annotations": {"rollwatch.io/merged-by": "bo"},
        },
        "spec": {
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
            "service": {"port": 9898},
            "analysis": analysis
            or {
                "interval": "1m",
                "threshold": 5,
                "stepWeight": 10,
                "maxWeight": 50,
                "metrics": [{"name": "request-success-rate"}, {"name": "request-duration"}],
                "webhooks": HOOKS,
            },
        },
        "status": {
            "phase": phase,
            "canaryWeight": weight,
            "failedChecks": 2,
            "iterations": 0,
            "lastAppliedSpec": "5c75b466fb",
            "lastPromotedSpec": "658bbf784f",
            "lastTransitionTime": "2026-03-01T11:50:00Z",
            "conditions": [
                {
                    "type": "Promoted",
                    "status": "Unknown",
                    "reason": phase,
                    "message": messages.get(phase, phase),
                    "lastTransitionTime": "2026-03-01T11:50:00Z",
                    "lastUpdateTime": "2026-03-01T11:50:00Z",
                }
            ],
            **status,
        },
    }


def deployment(name: str, image: str) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": "test",
            "uid": f"uid-{name}",
            "annotations": {"deployment.kubernetes.io/revision": "1"},
        },
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {
                    "labels": {"app": name},
                    "annotations": {"rollwatch.io/commit": f"sha-{name}"},
                },
                "spec": {"containers": [{"name": "podinfo", "image": image}]},
            },
        },
        "status": {
            "observedGeneration": 1,
            "replicas": 2,
            "readyReplicas": 2,
            "availableReplicas": 2,
        },
    }


def workloads() -> list[Obj]:
    primary, target = (
        deployment("podinfo-primary", "ghcr.io/stefanprodan/podinfo:6.0.0"),
        deployment("podinfo", "ghcr.io/stefanprodan/podinfo:6.0.1"),
    )
    return [
        primary,
        target,
        replicaset(
            primary,
            "6b4c8d9f7",
            1,
            replicas=2,
            hash_label="pod-template-hash",
            revision_key="deployment.kubernetes.io/revision",
        ),
        replicaset(
            target,
            "84d5f7c6b9",
            1,
            replicas=2,
            hash_label="pod-template-hash",
            revision_key="deployment.kubernetes.io/revision",
        ),
    ]
