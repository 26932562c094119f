"""The DeployBackend contract, checked the same way against all six deploy adapters.

The session, the screen and the commands speak to every deploy system through one protocol, so
each adapter must keep it alike: it lists and reads a rollout with step numbers a person can be
shown counted from 1, follows it (and the whole list, where it watches one), and does every
action it advertises with a fresh confirmation while refusing, in the one wording of
backends/expectation.py and without changing anything, a confirmation the rollout has moved on
from. What it does not advertise it refuses as Unsupported, and outside failures come back as
the project's own errors.

Each adapter runs against the real thing where one can run here: the simulator on the virtual
clock, the http adapter against `sim-serve` in-process, and the Kubernetes adapters against the
fake API server (tests.helpers.kube_fake) holding objects written from the API facts. The replay
adapter plays a recording of the demo's session, made as `--record` makes one, on a clock of its
own: it reads as any other, and does nothing, so every action is Unsupported there. What is
particular to one adapter (the exact patches, the load tester's calls) is tested next to it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterable
from contextlib import AsyncExitStack, aclosing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from backends.base import Capability, DeployBackend, WatchesRollouts
from backends.clock import VirtualClock
from backends.errors import Conflict, NotFound, Unauthorized, Unreachable, Unsupported
from backends.expectation import check_expectation
from backends.http.adapter import HttpDeployBackend, HttpDeployOptions
from backends.kubernetes import deployments as k8s
from backends.kubernetes.argo import adapter as argo
from backends.kubernetes.flagger import adapter as flagger
from backends.model import Expectation, Rollout
from backends.replay.adapter import Replay
from backends.simulator.adapter import Simulator
from tests.helpers import argo_objects, deployment_objects, flagger_objects
from tests.helpers.kube_fake import FakeKube, FakeLoadTester, build, options
from tests.helpers.kube_fake import serving as kube_serving
from tests.helpers.recordings import record_demo
from tests.helpers.sim_server import serving
from tests.helpers.watches import WAIT, about
from tui.session.demo import START
from tui.sim_serve.server import SimulatorApi

ADAPTERS = ("simulator", "http", "argo", "kubernetes", "flagger", "replay")
REMOTE = ("http", "argo", "kubernetes", "flagger")
"""The adapters that reach a server, which can go away or refuse the credentials."""
TOKEN = "s3cret-token"


@dataclass
class Subject:
    """An adapter with a rollout paused for a decision, and a hand on the world behind it."""

    kind: str
    backend: DeployBackend
    rollout_id: str
    move_on: Callable[[bool], Awaitable[None]]
    """Make the rollout move on as its controller (or another person) would; given whether
    the rollout is held (paused), it leaves it so."""
    state: Callable[[], Awaitable[Hashable]]
    """What the deploy system holds: it changes when anything was written to it."""
    stop: Callable[[], Awaitable[None]]
    """Take the server away, as a crash would (nothing for the simulator)."""
    refused: Callable[[], DeployBackend] | None = None
    """The same adapter with credentials the server refuses; None where there are none."""
    held: bool = False
    """Whether the rollout is held, so that resume (not promote) lifts it: a paused Deployment's
    decision is one; a pause step (Argo's, the simulator's) is not."""

    async def seen(self) -> Expectation:
        """A fresh confirmation: what the user sees now."""
        return Expectation.of(await self.backend.get_rollout(self.rollout_id))


async def _simulator(stack: AsyncExitStack, sim: Simulator) -> Subject:
    async def move_on(held: bool) -> None:
        """Someone else confirms the step first (and holds the rollout again, if it was)."""
        current = await sim.get_rollout(sim.primary_id)
        moved = await sim.promote(sim.primary_id, expect=Expectation.of(current))
        if held:
            await sim.pause(sim.primary_id, expect=Expectation.of(moved))

    async def state() -> Hashable:
        rollout = await sim.get_rollout(sim.primary_id)
        return rollout.version, rollout.current_step, rollout.phase

    async def nothing() -> None:
        return None

    stack.push_async_callback(sim.aclose)
    return Subject("simulator", sim, sim.primary_id, move_on, state, nothing)


async def _http(stack: AsyncExitStack, sim: Simulator) -> Subject:
    served = await stack.enter_async_context(serving(SimulatorApi(sim, token=TOKEN)))

    def client(token: str) -> HttpDeployBackend:
        backend = HttpDeployBackend(HttpDeployOptions(url=served.url, token=token))
        stack.push_async_callback(backend.aclose)
        return backend

    behind = await _simulator(stack, sim)
    return Subject(
        "http",
        client(TOKEN),
        behind.rollout_id,
        behind.move_on,
        behind.state,
        served.stop,
        lambda: client("wrong-token"),
    )


async def _replay(
    stack: AsyncExitStack, sim: Simulator, clock: VirtualClock, tmp_path: Path
) -> Subject:
    """The demo recorded while someone else promotes its rollout, played from its first line."""
    path = tmp_path / "demo.jsonl"
    await record_demo(path, sim, clock, before=30, after=30)
    await sim.aclose()
    played = VirtualClock(START)
    replay = Replay(path, played)
    stack.push_async_callback(replay.aclose)

    async def move_on(held: bool) -> None:
        """The recording plays on to its end, past the promotion."""
        await played.advance(replay.ends - played.now().timestamp())

    async def state() -> Hashable:
        return path.read_bytes()

    async def nothing() -> None:
        return None

    return Subject("replay", replay, sim.primary_id, move_on, state, nothing)


def _kube(
    stack: AsyncExitStack,
    fake: FakeKube,
    tmp_path: Path,
    adapter: Any,
    table: dict[str, Any],
) -> tuple[DeployBackend, Callable[[], DeployBackend]]:
    """The adapter on the fake's kubeconfig, and on a copy of it holding a token it refuses."""
    backend = build(adapter, options(tmp_path, **table))
    stack.push_async_callback(backend.aclose)
    config = json.loads((tmp_path / "kubeconfig").read_text())
    config["users"][0]["user"]["token"] = "wrong-token"
    (tmp_path / "refused").write_text(json.dumps(config))

    def refused() -> DeployBackend:
        other = build(
            adapter, {**options(tmp_path, **table), "kubeconfig": str(tmp_path / "refused")}
        )
        stack.push_async_callback(other.aclose)
        return other

    return backend, refused


async def _argo(stack: AsyncExitStack, fake: FakeKube, tmp_path: Path) -> Subject:
    ro = argo_objects.rollout()
    stored = fake.put(ro)
    for rs in argo_objects.replicasets(ro):
        fake.put(rs)

    async def move_on(held: bool) -> None:
        """The controller passes the pause: the next step, nothing to wait for."""
        fake.update(
            stored,
            lambda r: r["status"].update(
                currentStepIndex=r["status"].get("currentStepIndex", 0) + 1,
                pauseConditions=None,
                controllerPause=False,
                phase="Progressing",
                message="more replicas need to be updated",
            ),
        )

    backend, refused = _kube(stack, fake, tmp_path, argo.ADAPTER, {"namespace": "shop"})
    return Subject("argo", backend, "shop/web", move_on, _written(fake), fake.stop, refused)


async def _kubernetes(stack: AsyncExitStack, fake: FakeKube, tmp_path: Path) -> Subject:
    dep = deployment_objects.deployment(spec={"paused": True})
    stored = fake.put(dep)
    for rs in deployment_objects.replicasets(dep):
        fake.put(rs)

    async def move_on(held: bool) -> None:
        """The Deployment controller updates one more replica."""
        fake.update(
            stored,
            lambda d: d["status"].update(updatedReplicas=d["status"]["updatedReplicas"] + 1),
        )

    backend, refused = _kube(stack, fake, tmp_path, k8s.ADAPTER, {"namespace": "shop"})
    return Subject(
        "kubernetes", backend, "shop/api", move_on, _written(fake), fake.stop, refused, held=True
    )


async def _flagger(stack: AsyncExitStack, fake: FakeKube, tmp_path: Path) -> Subject:
    loadtester = FakeLoadTester()
    await loadtester.start()
    stack.push_async_callback(loadtester.stop)
    stored = fake.put(flagger_objects.canary("Waiting", 0))
    for obj in flagger_objects.workloads():
        fake.put(obj)

    async def move_on(held: bool) -> None:
        """The gate opened for someone else: Flagger shifts the first weight."""
        fake.update(stored, lambda c: c["status"].update(phase="Progressing", canaryWeight=10))

    async def state() -> Hashable:
        return fake.version, frozenset(loadtester.open)

    table = {"namespace": "test", "loadtester_url": loadtester.url}
    backend, refused = _kube(stack, fake, tmp_path, flagger.ADAPTER, table)
    return Subject("flagger", backend, "test/podinfo", move_on, state, fake.stop, refused)


def _written(fake: FakeKube) -> Callable[[], Awaitable[Hashable]]:
    """The API server's resourceVersion counter: every write moves it."""

    async def state() -> Hashable:
        return fake.version

    return state


@pytest.fixture
async def subject(
    request: pytest.FixtureRequest, sim: Simulator, clock: VirtualClock, tmp_path: Path
) -> AsyncIterator[Subject]:
    async with AsyncExitStack() as stack:
        kind = request.param
        if kind == "simulator":
            yield await _simulator(stack, sim)
        elif kind == "http":
            yield await _http(stack, sim)
        elif kind == "replay":
            yield await _replay(stack, sim, clock, tmp_path)
        else:
            fake = await stack.enter_async_context(kube_serving(tmp_path))
            maker = {"argo": _argo, "kubernetes": _kubernetes, "flagger": _flagger}[kind]
            yield await maker(stack, fake, tmp_path)


CAPABILITIES: dict[str, frozenset[Capability]] = {
    "simulator": Simulator.capabilities,
    "http": HttpDeployBackend.capabilities,
    "argo": argo.ArgoRolloutsBackend.capabilities,
    "kubernetes": k8s.DeploymentBackend.capabilities,
    "flagger": frozenset({Capability.PROMOTE, Capability.ABORT}),
    "replay": Replay.capabilities,
}
"""What each adapter advertises, read before the tests are collected so that each action is
tried exactly where it is advertised. Flagger decides through the load tester's gates, so it
advertises them only with `loadtester_url` set, as here."""

BACKENDS: dict[str, type] = {
    "simulator": Simulator,
    "http": HttpDeployBackend,
    "argo": argo.ArgoRolloutsBackend,
    "kubernetes": k8s.DeploymentBackend,
    "flagger": flagger.FlaggerBackend,
    "replay": Replay,
}
LIST_WATCHES = tuple(name for name, cls in BACKENDS.items() if issubclass(cls, WatchesRollouts))
"""The adapters that follow their whole list with a watch (the overview's WatchesRollouts)."""


def adapters(*names: str) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("subject", names, indirect=True)


def with_actions(advertised: bool, actions: Iterable[Capability]) -> pytest.MarkDecorator:
    """Every adapter paired with each of `actions` it advertises (or, if not, does not)."""
    pairs = [
        (name, action)
        for name in ADAPTERS
        for action in actions
        if (action in CAPABILITIES[name]) == advertised
    ]
    return pytest.mark.parametrize(("subject", "capability"), pairs, indirect=["subject"])


ACTIONS: dict[Capability, Callable[[DeployBackend, str, Expectation], Awaitable[Rollout]]] = {
    Capability.PROMOTE: lambda b, rid, e: b.promote(rid, expect=e),
    Capability.PROMOTE_FULL: lambda b, rid, e: b.promote(rid, expect=e, full=True),
    Capability.ABORT: lambda b, rid, e: b.abort(rid, expect=e),
    Capability.PAUSE: lambda b, rid, e: b.pause(rid, expect=e),
    Capability.RESUME: lambda b, rid, e: b.resume(rid, expect=e),
}
"""The actions a confirmation guards; RETRY starts an aborted rollout over and takes none."""


def where(rollout: Rollout) -> tuple[object, ...]:
    """What a snapshot says about where the rollout is; times computed at reading are left out."""
    canary = rollout.canary.id if rollout.canary else None
    return rollout.id, rollout.version, rollout.phase, rollout.current_step, canary


def step_shown(index: int | None, total: int) -> str:
    """The step as a person is shown it: `2/7` for index 1 of 7, `—` without a plan."""
    return f"{index + 1}/{total}" if index is not None and total else "—"


async def prepared(subject: Subject, capability: Capability) -> None:
    """Bring the rollout to where the action applies: pause needs one that is not held, resume
    one that is."""
    needed = {Capability.PAUSE: False, Capability.RESUME: True}.get(capability)
    if needed is None or needed == subject.held:
        return
    step = Capability.PAUSE if needed else Capability.RESUME
    assert step in subject.backend.capabilities, f"{capability} is offered without {step}"
    await ACTIONS[step](subject.backend, subject.rollout_id, await subject.seen())
    subject.held = needed


# -- reading --------------------------------------------------------------------------------------


@adapters(*ADAPTERS)
async def test_the_adapter_is_a_deploy_backend(subject: Subject):
    assert isinstance(subject.backend, DeployBackend)
    assert subject.backend.capabilities == CAPABILITIES[subject.kind]


@adapters(*ADAPTERS)
async def test_the_list_holds_the_rollout_as_it_reads(subject: Subject):
    listed = {summary.id: summary for summary in await subject.backend.list_rollouts()}
    rollout = await subject.backend.get_rollout(subject.rollout_id)
    summary = listed[subject.rollout_id]
    assert summary == rollout.summary()
    assert summary.awaits_decision and rollout.awaits_decision
    if summary.step_count:
        assert summary.current_step is not None
        assert 0 <= summary.current_step < summary.step_count, "a step a person can be shown"
        assert rollout.step_at(summary.current_step) is not None
    else:
        assert summary.current_step is None, "no plan, so no step"


@adapters(*ADAPTERS)
async def test_reading_gives_the_rollout_with_a_canary_to_judge(subject: Subject):
    rollout = await subject.backend.get_rollout(subject.rollout_id)
    assert rollout.id == subject.rollout_id
    assert rollout.canary is not None and rollout.canary.id != rollout.stable.id
    assert rollout.version, "a version to confirm against"


@adapters(*ADAPTERS)
async def test_an_unknown_rollout_is_not_found(subject: Subject):
    with pytest.raises(NotFound):
        await subject.backend.get_rollout("shop/no-such-rollout")
    with pytest.raises(NotFound):
        async with aclosing(subject.backend.watch_rollout("shop/no-such-rollout")) as stream:
            await asyncio.wait_for(anext(stream), WAIT)


@adapters(*ADAPTERS)
async def test_a_watch_starts_with_the_rollout_and_follows_a_change(subject: Subject):
    async with aclosing(subject.backend.watch_rollout(subject.rollout_id)) as stream:
        first = await asyncio.wait_for(anext(stream), WAIT)
        assert where(first) == where(await subject.backend.get_rollout(subject.rollout_id))
        await subject.move_on(subject.held)
        moved = await asyncio.wait_for(anext(stream), WAIT)
    assert where(moved) == where(await subject.backend.get_rollout(subject.rollout_id))
    assert moved.version != first.version


@adapters(*LIST_WATCHES)
async def test_a_list_watch_starts_with_the_list_and_follows_a_change(subject: Subject):
    backend = subject.backend
    assert isinstance(backend, WatchesRollouts)
    async with aclosing(backend.watch_rollouts()) as stream:
        first = await asyncio.wait_for(anext(stream), WAIT)
        assert isinstance(first, list), "the whole list first"
        listed = await subject.backend.list_rollouts()
        assert {s.id: s for s in first} == {s.id: s for s in listed}
        await subject.move_on(subject.held)
        moved = await about(stream, subject.rollout_id)
    assert moved == (await subject.backend.get_rollout(subject.rollout_id)).summary()
    assert moved != next(s for s in first if s.id == subject.rollout_id)


# -- acting ---------------------------------------------------------------------------------------


@with_actions(True, ACTIONS)
async def test_an_advertised_action_works_with_a_fresh_confirmation(
    subject: Subject, capability: Capability
):
    await prepared(subject, capability)
    before = await subject.state()
    done = await ACTIONS[capability](subject.backend, subject.rollout_id, await subject.seen())
    assert done.id == subject.rollout_id
    assert await subject.state() != before, "the deploy system was asked to act"


@with_actions(True, ACTIONS)
async def test_an_action_on_a_rollout_that_moved_on_is_refused_in_one_wording(
    subject: Subject, capability: Capability
):
    await prepared(subject, capability)
    expect = await subject.seen()
    await subject.move_on(subject.held)
    before = await subject.state()
    with pytest.raises(Conflict) as refused:
        await ACTIONS[capability](subject.backend, subject.rollout_id, expect)
    assert await subject.state() == before, "nothing was written"
    now = await subject.backend.get_rollout(subject.rollout_id)
    with pytest.raises(Conflict) as wording:
        check_expectation(expect, now)
    assert str(refused.value) == str(wording.value)
    assert f"{subject.rollout_id} moved on: it is at " in str(refused.value)
    if now.step_count:
        assert f"step {step_shown(now.current_step, now.step_count)}" in str(refused.value)


@adapters(*(name for name in ADAPTERS if Capability.RETRY in CAPABILITIES[name]))
async def test_retry_starts_an_aborted_rollout_again(subject: Subject):
    await subject.backend.abort(subject.rollout_id, expect=await subject.seen())
    before = await subject.state()
    retried = await subject.backend.retry(subject.rollout_id)
    assert retried.id == subject.rollout_id
    assert await subject.state() != before, "the deploy system was asked to start over"


@with_actions(False, Capability)
async def test_an_action_not_advertised_is_unsupported(subject: Subject, capability: Capability):
    expect = await subject.seen()
    before = await subject.state()
    with pytest.raises(Unsupported):
        if capability == Capability.RETRY:
            await subject.backend.retry(subject.rollout_id)
        else:
            await ACTIONS[capability](subject.backend, subject.rollout_id, expect)
    assert await subject.state() == before


# -- outside failures -----------------------------------------------------------------------------


@adapters(*REMOTE)
async def test_a_server_that_went_away_is_unreachable(subject: Subject):
    await subject.stop()
    with pytest.raises(Unreachable) as caught:
        await subject.backend.get_rollout(subject.rollout_id)
    assert caught.value.retryable
    with pytest.raises(Unreachable):
        await subject.backend.list_rollouts()


@adapters(*REMOTE)
async def test_refused_credentials_are_unauthorized(subject: Subject):
    assert subject.refused is not None
    with pytest.raises(Unauthorized) as caught:
        await subject.refused().get_rollout(subject.rollout_id)
    assert "wrong-token" not in str(caught.value)


@adapters(*(name for name in REMOTE if name in LIST_WATCHES))
async def test_a_list_watch_with_refused_credentials_is_unauthorized(subject: Subject):
    assert subject.refused is not None
    refused = subject.refused()
    assert isinstance(refused, WatchesRollouts)
    with pytest.raises(Unauthorized) as caught:
        async with aclosing(refused.watch_rollouts()) as stream:
            await asyncio.wait_for(anext(stream), WAIT)
    assert "wrong-token" not in str(caught.value)


@adapters(*(name for name in REMOTE if name in LIST_WATCHES))
async def test_a_list_watch_of_a_server_that_went_away_is_unreachable(subject: Subject):
    backend = subject.backend
    assert isinstance(backend, WatchesRollouts)
    await subject.stop()
    with pytest.raises(Unreachable):
        async with aclosing(backend.watch_rollouts()) as stream:
            await asyncio.wait_for(anext(stream), WAIT)
