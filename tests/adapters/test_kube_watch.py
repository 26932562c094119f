"""The shared list+watch loop: resourceVersions, bookmarks, 410 relists, reconnects, errors."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from backends.base import DeployBackend
from backends.errors import BackendError, NotFound, Unauthorized, Unreachable
from backends.kubernetes.argo import adapter as argo
from backends.kubernetes.client import connect, error_for, resource_path
from backends.kubernetes.options import KubeOptions
from backends.kubernetes.watch import Source, list_and_watch
from backends.registry import load_deploy
from tests.adapters.test_argo import ID, replicasets, rollout
from tests.helpers.kube_fake import FakeKube, Recorded, build, options

ROLLOUTS = resource_path("argoproj.io/v1alpha1", "rollouts", "shop")


class RecordingClock:
    """Records the backoff the loop asks for, and lets the loop run on at once."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return datetime(2026, 3, 1, tzinfo=UTC)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture
def clock() -> RecordingClock:
    return RecordingClock()


@pytest.fixture
async def backend(fake: FakeKube, tmp_path: Path, clock: RecordingClock):
    adapter = build(argo.ADAPTER, options(tmp_path, namespace="shop", max_failures=3), clock)
    yield adapter
    await adapter.aclose()


def seed(fake: FakeKube) -> dict:
    stored = fake.put(rollout())
    for rs in replicasets(stored):
        fake.put(rs)
    return stored


def lists(fake: FakeKube, path: str = ROLLOUTS) -> list[Recorded]:
    return [
        r for r in fake.requests if r.path == path and "watch" not in r.query and r.method == "GET"
    ]


def watches(fake: FakeKube, path: str = ROLLOUTS) -> list[Recorded]:
    return [r for r in fake.requests if r.path == path and r.query.get("watch") == "true"]


def watching(fake: FakeKube, count: int) -> bool:
    return len(fake.watchers) >= count


async def test_watch_starts_at_the_list_version_and_asks_for_bookmarks(fake, backend):
    seed(fake)
    stream = backend.watch_rollout(ID)
    first = await anext(stream)
    await fake.wait_for(lambda: watching(fake, 3))
    (watch,) = watches(fake)
    assert watch.query["resourceVersion"] == str(fake.version)
    assert watch.query["allowWatchBookmarks"] == "true"
    assert watch.query["fieldSelector"] == "metadata.name=web"
    assert (
        first.version
        == fake.get("argoproj.io/v1alpha1", "rollouts", "shop", "web")["metadata"][
            "resourceVersion"
        ]
    )
    await stream.aclose()


async def test_each_change_is_one_snapshot_and_unchanged_ones_are_not_repeated(fake, backend):
    stored = seed(fake)
    stream = backend.watch_rollout(ID)
    await anext(stream)
    rs = replicasets(stored)[0]
    fake.put(
        {
            **rs,
            "metadata": {
                **rs["metadata"],
                "annotations": {**rs["metadata"]["annotations"], "x": "y"},
            },
        }
    )
    fake.update(stored, lambda ro: ro["status"].update(currentStepIndex=2, pauseConditions=[]))
    second = await anext(stream)
    assert second.current_step == 2
    await stream.aclose()


async def test_bookmarks_move_the_resume_version(fake, backend):
    seed(fake)
    stream = backend.watch_rollout(ID)
    await anext(stream)
    await fake.wait_for(lambda: watching(fake, 3))
    fake.put(
        {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": "unrelated", "namespace": "shop"},
        }
    )
    bookmarked = str(fake.version)
    fake.bookmark()
    fake.end_watches()
    await fake.wait_for(lambda: len(watches(fake)) == 2 and watching(fake, 3))
    assert watches(fake)[-1].query["resourceVersion"] == bookmarked
    assert len(lists(fake)) == 1
    await stream.aclose()


@pytest.mark.parametrize("reason", ["Expired", "Gone"])
async def test_in_stream_410_relists_then_watches_from_the_new_list(fake, backend, reason):
    stored = seed(fake)
    stream = backend.watch_rollout(ID)
    await anext(stream)
    await fake.wait_for(lambda: watching(fake, 3))
    fake.compact()
    fake.expire_watches(reason)
    fake.update(stored, lambda ro: ro["status"].update(currentStepIndex=2, pauseConditions=[]))
    snapshot = await anext(stream)
    assert snapshot.current_step == 2
    await fake.wait_for(lambda: len(watches(fake)) == 2)
    assert len(lists(fake)) == 2
    assert watches(fake)[-1].query["resourceVersion"] == str(fake.version)
    await stream.aclose()


async def test_rewatch_from_a_compacted_version_relists(fake, backend):
    stored = seed(fake)
    stream = backend.watch_rollout(ID)
    await anext(stream)
    await fake.wait_for(lambda: watching(fake, 3))
    old = watches(fake)[0].query["resourceVersion"]
    fake.update(stored, lambda ro: ro["status"].update(currentStepIndex=2, pauseConditions=[]))
    assert (await anext(stream)).current_step == 2
    fake.put(
        {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "other", "namespace": "shop"}}
    )
    fake.compact()
    fake.drop_watches()
    fake.update(stored, lambda ro: ro["status"].update(currentStepIndex=3))
    assert (await anext(stream)).current_step == 3
    assert int(old) < fake.compacted
    assert len(lists(fake)) == 2
    await stream.aclose()


async def test_http_410_on_the_watch_request_relists(fake, backend):
    stored = seed(fake)
    stream = backend.watch_rollout(ID)
    await anext(stream)
    await fake.wait_for(lambda: watching(fake, 3))
    fake.fail(410, lambda r: r.path == ROLLOUTS and r.query.get("watch") == "true")
    fake.end_watches()
    fake.update(stored, lambda ro: ro["status"].update(currentStepIndex=2, pauseConditions=[]))
    assert (await anext(stream)).current_step == 2
    assert len(lists(fake)) == 2
    await stream.aclose()


async def test_dropped_watch_resumes_from_the_last_version_without_relisting(fake, backend, clock):
    stored = seed(fake)
    stream = backend.watch_rollout(ID)
    await anext(stream)
    await fake.wait_for(lambda: watching(fake, 3))
    fake.update(stored, lambda ro: ro["status"].update(currentStepIndex=2, pauseConditions=[]))
    await anext(stream)
    seen = str(fake.version)
    fake.drop_watches()
    fake.update(stored, lambda ro: ro["status"].update(currentStepIndex=3))
    assert (await anext(stream)).current_step == 3
    assert watches(fake)[-1].query["resourceVersion"] == seen
    assert len(lists(fake)) == 1
    assert clock.sleeps and set(clock.sleeps) == {0.0}
    await stream.aclose()


async def test_5xx_on_rewatch_backs_off_then_recovers(fake, tmp_path, clock):
    stored = seed(fake)
    adapter = build(argo.ADAPTER, options(tmp_path, namespace="shop", backoff=0.5), clock)
    stream = adapter.watch_rollout(ID)
    await anext(stream)
    await fake.wait_for(lambda: watching(fake, 3))
    fake.fail(503, lambda r: r.path == ROLLOUTS and r.query.get("watch") == "true", times=2)
    fake.drop_watches()
    fake.update(stored, lambda ro: ro["status"].update(currentStepIndex=2, pauseConditions=[]))
    assert (await anext(stream)).current_step == 2
    assert sorted(clock.sleeps)[-3:] == [0.5, 1.0, 2.0]
    await stream.aclose()
    await adapter.aclose()


async def test_a_server_that_stays_down_ends_the_watch_with_unreachable(fake, backend, clock):
    seed(fake)
    stream = backend.watch_rollout(ID)
    await anext(stream)
    await fake.wait_for(lambda: watching(fake, 3))
    await fake.stop()
    with pytest.raises(Unreachable):
        await anext(stream)
    assert len(clock.sleeps) >= 2


async def test_deleted_rollout_ends_the_watch(fake, backend):
    stored = seed(fake)
    stream = backend.watch_rollout(ID)
    await anext(stream)
    fake.delete(stored)
    with pytest.raises(NotFound, match="deleted"):
        await anext(stream)


async def test_errors_are_mapped(fake, backend, tmp_path):
    with pytest.raises(NotFound):
        await backend.get_rollout("shop/missing")
    fake.token = "rotated"
    with pytest.raises(Unauthorized):
        await backend.get_rollout(ID)
    assert isinstance(error_for(503, {"message": "etcd"}, "x"), Unreachable)
    assert isinstance(error_for(200, {"code": 410, "reason": "Gone"}, "x"), Unreachable)
    assert (
        str(error_for(422, {"message": "invalid"}, "PATCH x"))
        == "PATCH x: the Kubernetes API answered 422: invalid"
    )


async def test_kubeconfig_context_and_namespace(fake, tmp_path):
    api = connect(KubeOptions(kubeconfig=str(tmp_path / "kubeconfig")))
    assert api.namespace == "default"
    await api.aclose()
    with pytest.raises(BackendError, match="Kubernetes configuration"):
        connect(KubeOptions(kubeconfig=str(tmp_path / "missing")))
    with pytest.raises(BackendError, match="Kubernetes configuration"):
        connect(KubeOptions(kubeconfig=str(tmp_path / "kubeconfig"), context="nope"))
    with pytest.raises(ValidationError, match="namespace"):
        KubeOptions.model_validate({"namespace": 3})


async def test_list_and_watch_yields_sync_then_events(fake, tmp_path):
    fake.put(rollout())
    api = connect(KubeOptions(kubeconfig=str(tmp_path / "kubeconfig")))
    source = Source(ROLLOUTS)
    events = list_and_watch(
        api, source.path, source.params, clock=RecordingClock(), options=KubeOptions()
    )
    first = await anext(events)
    assert first.type == "SYNC" and [o["metadata"]["name"] for o in first.objects] == ["web"]
    pending = asyncio.ensure_future(anext(events))
    await fake.wait_for(lambda: watching(fake, 1))
    fake.put({**rollout(), "metadata": {**rollout()["metadata"], "name": "api", "uid": "uid-api"}})
    added = await pending
    assert (added.type, added.objects[0]["metadata"]["name"]) == ("ADDED", "api")
    await events.aclose()
    await api.aclose()


def exec_kubeconfig(fake: FakeKube, directory: Path, code: str) -> Path:
    """A kubeconfig whose user gets its token from an exec credential plugin."""
    path = directory / "exec-kubeconfig"
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": sys.executable,
            "args": ["-c", code],
        }
    }
    config = {
        "clusters": [{"name": "fake", "cluster": {"server": fake.url}}],
        "users": [{"name": "plugin", "user": user}],
        "contexts": [
            {"name": "fake", "context": {"cluster": "fake", "user": "plugin", "namespace": "shop"}}
        ],
        "current-context": "fake",
    }
    path.write_text(json.dumps(config))
    return path


async def test_exec_credential_plugins_sign_requests(fake, tmp_path):
    seed(fake)
    credential = {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "kind": "ExecCredential",
        "status": {"token": fake.token},
    }
    good = exec_kubeconfig(fake, tmp_path, f"print({json.dumps(json.dumps(credential))})")
    adapter = build(argo.ADAPTER, {"kubeconfig": str(good)})
    assert (await adapter.get_rollout("web")).id == ID
    await adapter.aclose()
    broken = exec_kubeconfig(fake, tmp_path, "raise SystemExit(1)")
    adapter = build(argo.ADAPTER, {"kubeconfig": str(broken)})
    with pytest.raises(Unauthorized, match="credentials"):
        await adapter.get_rollout(ID)
    await adapter.aclose()


@pytest.mark.parametrize("name", ["argo", "kubernetes", "flagger"])
async def test_adapters_are_registered_deploy_backends(fake, tmp_path, name):
    adapter = build(load_deploy(name), options(tmp_path))
    assert isinstance(adapter, DeployBackend)
    assert await adapter.list_rollouts() == []
    await adapter.aclose()
