"""A confirmation the rollout outran is refused in the same words by every deploy adapter.

Each adapter is driven to the same situation (the rollout moved on one step after the user
looked, or changed without moving), and the refusal must read exactly as the template below,
counting steps from 1.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from backends.base import DeployBackend
from backends.clock import VirtualClock
from backends.errors import Conflict
from backends.kubernetes import deployments as k8s
from backends.kubernetes.argo import adapter as argo
from backends.kubernetes.client import Obj
from backends.kubernetes.flagger import adapter as flagger
from backends.model import Expectation, Rollout
from backends.simulator.adapter import Simulator, SimulatorOptions
from tests.helpers import argo_objects, deployment_objects, flagger_objects
from tests.helpers.kube_fake import FakeKube, FakeLoadTester, build, options

Situation = tuple[DeployBackend, Rollout, Rollout]
"""The backend, the rollout as the user saw it, and the rollout as it is now."""


def where(rollout: Rollout, *, version: bool) -> str:
    """Where a rollout is, as a person reads it: step 1-based of the plan, canary, version."""
    details = [f"canary {rollout.canary.id}" if rollout.canary else "no canary"]
    if version:
        details.append(f"version {rollout.version}")
    if rollout.current_step is None:
        return ", ".join(details)
    return f"step {rollout.current_step + 1}/{rollout.step_count} ({', '.join(details)})"


def moved_on(seen: Rollout, now: Rollout, *, version: bool = False) -> str:
    return (
        f"{now.id} moved on: it is at {where(now, version=version)}, "
        f"you confirmed {where(seen, version=version)}"
    )


def seed(fake: FakeKube, primary: Obj, replicasets: Callable[[Obj], list[Obj]]) -> Obj:
    stored = fake.put(primary)
    for rs in replicasets(primary):
        fake.put(rs)
    return stored


async def simulator_stepped(clock: VirtualClock, **_: object) -> Situation:
    sim = Simulator(clock, SimulatorOptions(actor="tester"))
    rollout_id = sim.primary_id
    seen = await sim.get_rollout(rollout_id)
    await sim.promote(rollout_id, expect=Expectation.of(seen))
    return sim, seen, await sim.get_rollout(rollout_id)


async def argo_stepped(fake: FakeKube, tmp_path: Path, **_: object) -> Situation:
    stored = seed(fake, argo_objects.rollout(index=1), argo_objects.replicasets)
    backend = build(argo.ADAPTER, options(tmp_path, namespace="shop"))
    seen = await backend.get_rollout("shop/web")
    fake.update(stored, lambda ro: ro["status"].update(currentStepIndex=2))
    return backend, seen, await backend.get_rollout("shop/web")


async def flagger_stepped(
    fake: FakeKube, tmp_path: Path, loadtester: FakeLoadTester, **_: object
) -> Situation:
    stored = fake.put(flagger_objects.canary("Progressing", 10))
    backend = build(
        flagger.ADAPTER, options(tmp_path, namespace="test", loadtester_url=loadtester.url)
    )
    seen = await backend.get_rollout("test/podinfo")
    fake.update(stored, lambda c: c["status"].update(canaryWeight=20))
    return backend, seen, await backend.get_rollout("test/podinfo")


async def argo_changed(fake: FakeKube, tmp_path: Path, **_: object) -> Situation:
    stored = seed(fake, argo_objects.rollout(index=1), argo_objects.replicasets)
    backend = build(argo.ADAPTER, options(tmp_path, namespace="shop"))
    seen = await backend.get_rollout("shop/web")
    fake.update(stored, lambda ro: ro["status"].update(readyReplicas=3))
    return backend, seen, await backend.get_rollout("shop/web")


async def deployment_changed(fake: FakeKube, tmp_path: Path, **_: object) -> Situation:
    stored = seed(fake, deployment_objects.deployment(), deployment_objects.replicasets)
    backend = build(k8s.ADAPTER, options(tmp_path, namespace="shop"))
    seen = await backend.get_rollout("shop/api")
    fake.update(stored, lambda d: d["status"].update(updatedReplicas=3))
    return backend, seen, await backend.get_rollout("shop/api")


async def flagger_changed(
    fake: FakeKube, tmp_path: Path, loadtester: FakeLoadTester, **_: object
) -> Situation:
    stored = fake.put(flagger_objects.canary("WaitingPromotion", 20))
    backend = build(
        flagger.ADAPTER, options(tmp_path, namespace="test", loadtester_url=loadtester.url)
    )
    seen = await backend.get_rollout("test/podinfo")
    fake.update(stored, lambda c: c["status"].update(failedChecks=3))
    return backend, seen, await backend.get_rollout("test/podinfo")


@pytest.fixture
async def loadtester():
    server = FakeLoadTester()
    await server.start()
    yield server
    await server.stop()


async def refusal(backend: DeployBackend, rollout_id: str, action: str, expect: Expectation) -> str:
    with pytest.raises(Conflict) as refused:
        await getattr(backend, action)(rollout_id, expect=expect)
    return str(refused.value)


@pytest.mark.parametrize(
    "situation", [simulator_stepped, argo_stepped, flagger_stepped], ids=lambda f: f.__name__
)
@pytest.mark.parametrize("action", ["promote", "abort"])
async def test_a_step_moved_on_reads_the_same_everywhere(
    situation: Callable[..., Awaitable[Situation]], action, clock, fake, tmp_path, loadtester
):
    backend, seen, now = await situation(
        clock=clock, fake=fake, tmp_path=tmp_path, loadtester=loadtester
    )
    assert now.current_step == (seen.current_step or 0) + 1, "the situation moved one step"
    said = await refusal(backend, now.id, action, Expectation.of(seen))
    assert said == moved_on(seen, now)
    await backend.aclose()


@pytest.mark.parametrize(
    "situation", [argo_changed, deployment_changed, flagger_changed], ids=lambda f: f.__name__
)
async def test_a_change_without_a_step_names_the_version(
    situation: Callable[..., Awaitable[Situation]], clock, fake, tmp_path, loadtester
):
    backend, seen, now = await situation(
        clock=clock, fake=fake, tmp_path=tmp_path, loadtester=loadtester
    )
    assert (now.current_step, now.canary) == (seen.current_step, seen.canary)
    assert now.version != seen.version
    said = await refusal(backend, now.id, "abort", Expectation.of(seen))
    assert said == moved_on(seen, now, version=True)
    await backend.aclose()


def test_the_template_is_one_based():
    """The template itself, on the example the docs give."""
    seen = Rollout.model_validate(
        {
            "id": "shop/checkout-api",
            "name": "checkout-api",
            "service": "checkout-api",
            "phase": "paused",
            "steps": [{"index": i, "kind": "pause", "label": "pause"} for i in range(7)],
            "current_step": 1,
            "stable": {"id": "5f7d9c2a", "role": "stable"},
            "canary": {"id": "6cbccd9f", "role": "canary"},
        }
    )
    now = seen.model_copy(update={"current_step": 2})
    assert moved_on(seen, now) == (
        "shop/checkout-api moved on: it is at step 3/7 (canary 6cbccd9f), "
        "you confirmed step 2/7 (canary 6cbccd9f)"
    )
