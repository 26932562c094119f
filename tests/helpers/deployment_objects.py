"""Deployments and their ReplicaSets mid-rollout, for the adapter tests and the contract."""

from __future__ import annotations

from typing import Any

from backends.kubernetes import deployments as k8s
from backends.kubernetes.client import Obj
from tests.helpers.kube_fake import replicaset

HASHES = {1: "5d8f9c7b6a", 2: "7f6b8d9c5e"}


def deployment(
    revision: int = 2,
    *,
    status: dict[str, Any] | None = None,
    spec: dict[str, Any] | None = None,
    generation: int = 2,
) -> Obj:
    """A Deployment rolling from revision 1 to `revision`: 4 replicas, 2 updated so far."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "api",
            "namespace": "shop",
            "uid": "uid-api",
            "generation": generation,
            "annotations": {
                k8s.REVISION: str(revision),
                "kubectl.kubernetes.io/last-applied-configuration": "{}",
                "rollwatch.io/url": "https://git.example.com/api/pull/7",
            },
        },
        "spec": {
            "replicas": 4,
            "selector": {"matchLabels": {"app": "api"}},
            "template": {
                "metadata": {
                    "labels": {"app": "api"},
                    "annotations": {"rollwatch.io/commit": "c0ffee"},
                },
                "spec": {
                    "containers": [{"name": "app", "image": f"registry.example.com/api:{revision}"}]
                },
            },
            **(spec or {}),
        },
        "status": {
            "observedGeneration": 2,
            "replicas": 5,
            "updatedReplicas": 2,
            "readyReplicas": 4,
            "availableReplicas": 4,
            "conditions": [
                {
                    "type": "Progressing",
                    "status": "True",
                    "reason": "ReplicaSetUpdated",
                    "message": 'ReplicaSet "api-7f6b8d9c5e" is progressing.',
                    "lastTransitionTime": "2026-03-01T11:00:00Z",
                    "lastUpdateTime": "2026-03-01T11:30:00Z",
                }
            ],
            **(status or {}),
        },
    }


def replicasets(dep: Obj, *, old: int = 3, new: int = 2, new_available: int = 1) -> list[Obj]:
    found = []
    for revision, replicas, available in ((1, old, old), (2, new, new_available)):
        rs = replicaset(
            dep,
            HASHES[revision],
            revision,
            replicas=replicas,
            available=available,
            image=f"registry.example.com/api:{revision}",
            hash_label=k8s.HASH_LABEL,
            revision_key=k8s.REVISION,
            template_annotations={"rollwatch.io/commit": f"commit-{revision}"},
        )
        rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] = "4"
        found.append(rs)
    return found
