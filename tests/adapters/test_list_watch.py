"""Following every rollout at once: the list first, then each change, never a relist per change.

The Kubernetes family joins the same watched lists `list` reads; the simulator tells a change
when its clock or an action moves a rollout.
"""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path

import pytest

from backends.base import WatchesRollouts
from backends.clock import VirtualClock
from backends.kubernetes.argo import adapter as argo
from backends.kubernetes.client import resource_path
from backends.model import (
    Expectation,
    GateResult,
    GateSource,
    GateStatus,
    Phase,
    RolloutSummary,
)
from backends.simulator.adapter import Simulator
from tests.adapters.test_argo import replicasets, rollout
from tests.helpers.kube_fake import FakeKube, build, options

ROLLOUTS = resource_path("argoproj.io/v1alpha1", "rollouts", "shop")


@pytest.fixture
async def backend(fake: FakeKube, tmp_path: Path, clock: VirtualClock):
    adapter = build(argo.ADAPTER, options(tmp_path, namespace="shop"), clock)
    yield adapter
    await adapter.aclose()


def named(obj: dict, name: str) -> dict:
    other = copy.deepcopy(obj)
    other["metadata"]["name"] = name
    other["metadata"]["uid"] = f"uid-{name}"
    return other


def lists(fake: FakeKube) -> int:
    return sum(
        1
        for r in fake.requests
        if r.path == ROLLOUTS and r.method == "GET" and "watch" not in r.query
    )


async def test_argo_lists_then_yields_only_the_rollout_that_changed(fake, backend):
    web = fake.put(rollout())
    fake.put(named(rollout(), "api"))
    for rs in replicasets(web):
        fake.put(rs)
    assert isinstance(backend, WatchesRollouts)
    stream = backend.watch_rollouts()
    first = await anext(stream)
    assert isinstance(first, list)
    assert sorted(s.id for s in first) == ["shop/api", "shop/web"]
    fake.update(web, lambda ro: ro["status"].update(currentStepIndex=2, pauseConditions=[]))
    changed = await anext(stream)
    assert isinstance(changed, RolloutSummary)
    assert changed.id == "shop/web" and changed.current_step == 2
    assert lists(fake) == 1, "a change arrives through the watch, not a new list"
    await stream.aclose()


async def test_argo_tells_a_rollout_that_appeared_or_went_with_the_whole_list(fake, backend):
    web = fake.put(rollout())
    stream = backend.watch_rollouts()
    assert [s.id for s in await anext(stream)] == ["shop/web"]
    api = fake.put(named(rollout(), "api"))
    grown = await anext(stream)
    assert isinstance(grown, list) and sorted(s.id for s in grown) == ["shop/api", "shop/web"]
    fake.delete(api)
    shrunk = await anext(stream)
    assert isinstance(shrunk, list) and [s.id for s in shrunk] == ["shop/web"]
    assert web
    await stream.aclose()


async def test_argo_summary_carries_what_a_list_shows(fake, backend):
    web = fake.put(rollout())
    for rs in replicasets(web):
        fake.put(rs)
    [summary] = await backend.list_rollouts()
    assert summary.strategy == "canary"
    assert summary.pause is not None and summary.pause.awaits_decision
    assert summary.phase == Phase.PAUSED


async def test_simulator_yields_the_list_then_each_rollout_its_clock_moves(
    clock: VirtualClock, sim: Simulator
):
    assert isinstance(sim, WatchesRollouts)
    stream = sim.watch_rollouts()
    first = await anext(stream)
    assert isinstance(first, list) and len(first) == 5
    before = {s.id: s for s in first}
    pending = asyncio.ensure_future(anext(stream))
    await clock.advance(60)
    changed = await pending
    assert isinstance(changed, RolloutSummary)
    assert changed != before[changed.id]
    await stream.aclose()


async def test_simulator_tells_an_action_at_once(clock: VirtualClock, sim: Simulator):
    stream = sim.watch_rollouts()
    await anext(stream)
    primary = await sim.get_rollout("shop/checkout-api")
    await sim.promote(primary.id, expect=Expectation.of(primary))
    changed = await anext(stream)
    assert isinstance(changed, RolloutSummary)
    assert changed.id == primary.id and changed.current_step == 2
    await stream.aclose()


async def test_a_summary_carries_the_controllers_worst_gate(sim: Simulator):
    rollout = await sim.get_rollout("shop/checkout-api")
    assert rollout.summary().analysis is None, "no controller analysis, no verdict of its own"
    gates = [
        GateResult(name=name, status=status, explanation="", source=GateSource.CONTROLLER)
        for name, status in (("a", GateStatus.PASS), ("b", GateStatus.MARGINAL))
    ]
    analysed = rollout.model_copy(update={"controller_gates": gates})
    assert analysed.summary().analysis == GateStatus.MARGINAL
