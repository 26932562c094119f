"""The live session under a virtual clock: incremental fetches, bounded windows, actions."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from backends.base import Capability
from backends.clock import VirtualClock
from backends.errors import Conflict, Unreachable
from backends.model import (
    EventLevel,
    Expectation,
    GateStatus,
    MetricQuery,
    QueryResult,
    Role,
    Rollout,
)
from backends.simulator.adapter import Simulator, SimulatorOptions
from tui.config.load import demo_config
from tui.session.decisions import Refused, override_reason
from tui.session.demo import demo_session
from tui.session.live import Session
from tui.session.updates import GatesChanged, LinkChanged, MetricsChanged, RolloutChanged, Update

PRIMARY = "shop/checkout-api"
SIM_METRICS = demo_config().metric


class RecordingStore:
    """Passes queries to the simulator and writes down every span asked for."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.spans: list[tuple[str, datetime, datetime]] = []
        self.fail = False

    async def query_range(
        self, query: MetricQuery, start: datetime, end: datetime, step: timedelta
    ) -> QueryResult:
        self.spans.append((query.name, start, end))
        if self.fail:
            raise Unreachable("store down", detail="connection refused")
        return await self.sim.query_range(query, start, end, step)

    async def aclose(self) -> None:
        pass


class RecordingDeploy:
    """The simulator, with the promote and abort calls it receives written down."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.capabilities = sim.capabilities
        self.calls: list[tuple[str, Expectation]] = []
        self.drop_watch = 0

    async def list_rollouts(self):
        return await self.sim.list_rollouts()

    async def get_rollout(self, rollout_id: str) -> Rollout:
        return await self.sim.get_rollout(rollout_id)

    async def watch_rollout(self, rollout_id: str) -> AsyncIterator[Rollout]:
        if self.drop_watch:
            self.drop_watch -= 1
            raise Unreachable("watch dropped")
        async for rollout in self.sim.watch_rollout(rollout_id):
            yield rollout

    async def promote(self, rollout_id: str, *, expect: Expectation, full: bool = False):
        self.calls.append(("promote_full" if full else "promote", expect))
        return await self.sim.promote(rollout_id, expect=expect, full=full)

    async def abort(self, rollout_id: str, *, expect: Expectation):
        self.calls.append(("abort", expect))
        return await self.sim.abort(rollout_id, expect=expect)

    async def retry(self, rollout_id: str):
        return await self.sim.retry(rollout_id)

    async def aclose(self) -> None:
        pass


async def started(session: Session, clock: VirtualClock) -> asyncio.Task[None]:
    task = asyncio.create_task(session.run())
    await clock.advance(0)
    assert session.rollout is not None
    return task


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_fetches_only_the_new_span(sim: Simulator, clock: VirtualClock):
    store = RecordingStore(sim)
    session = Session(sim, store, PRIMARY, SIM_METRICS, clock, window=timedelta(minutes=10))
    task = await started(session, clock)
    first = {name: (start, end) for name, start, end in store.spans}
    assert set(first) == {m.name for m in SIM_METRICS}
    assert all(end - start == timedelta(minutes=10) for start, end in first.values())
    store.spans.clear()

    await clock.advance(10)
    assert len(store.spans) == len(SIM_METRICS)
    for name, start, end in store.spans:
        assert start == first[name][1] + timedelta(seconds=10), "starts after the last point"
        assert end == start, "one new sample, not the whole window again"
    await stop(task)


class LateStore(RecordingStore):
    """Shows a sample only `lag` seconds after its time, as VictoriaMetrics does by default."""

    lag = 30.0

    async def query_range(
        self, query: MetricQuery, start: datetime, end: datetime, step: timedelta
    ) -> QueryResult:
        result = await super().query_range(query, start, end, step)
        shown = self.sim.clock.now().timestamp() - self.lag
        series = {
            role: one.model_copy(update={"points": [p for p in one.points if p.t <= shown]})
            for role, one in result.series.items()
        }
        return result.model_copy(update={"series": series})


async def test_a_store_that_answers_late_leaves_no_gaps(sim: Simulator, clock: VirtualClock):
    """A step the store did not answer yet is asked for again, not skipped for good."""
    store = LateStore(sim)
    session = Session(sim, store, PRIMARY, SIM_METRICS, clock, window=timedelta(minutes=10))
    task = await started(session, clock)
    for _ in range(12):
        await clock.advance(10)
    times = [t for t, _ in session.windows["p99 latency"].window(Role.CANARY).points]
    assert [b - a for a, b in itertools.pairwise(times)] == [10.0] * (len(times) - 1)
    assert times[-1] == clock.now().timestamp() // 10 * 10 - store.lag
    await stop(task)


async def test_windows_stay_bounded(sim: Simulator, clock: VirtualClock):
    session = Session(sim, sim, PRIMARY, SIM_METRICS, clock, window=timedelta(minutes=2))
    task = await started(session, clock)
    for _ in range(30):
        await clock.advance(60)
    window = session.windows["p99 latency"].window(Role.STABLE)
    assert len(window) == 13  # two minutes at 10 s, both ends included
    assert window.points[-1][0] == clock.now().timestamp() // 10 * 10
    await stop(task)


async def test_updates_are_published(sim: Simulator, clock: VirtualClock):
    updates: list[Update] = []
    session = demo_session(sim)
    session.subscribe(updates.append)
    task = await started(session, clock)
    assert isinstance(updates[0], RolloutChanged)
    assert any(isinstance(u, MetricsChanged) and "p99 latency" in u.names for u in updates)
    await stop(task)


async def test_promote_passes_what_the_user_saw(sim: Simulator, clock: VirtualClock):
    deploy = RecordingDeploy(sim)
    session = Session(deploy, sim, PRIMARY, SIM_METRICS, clock)
    task = await started(session, clock)
    confirmation = session.confirmation(Capability.PROMOTE)
    rollout = await session.execute(confirmation)
    assert rollout.current_step == 2
    assert deploy.calls == [
        (
            "promote",
            Expectation(step=1, canary_revision="7d5f8b6c4d", version=confirmation.expect.version),
        )
    ]
    with pytest.raises(Refused, match="already used"):
        await session.execute(confirmation)
    assert len(deploy.calls) == 1, "one confirmation, one promote"
    await stop(task)


async def test_a_stale_confirmation_conflicts(sim: Simulator, clock: VirtualClock):
    session = demo_session(sim)
    task = await started(session, clock)
    old = session.confirmation(Capability.PROMOTE)
    await session.execute(session.confirmation(Capability.PROMOTE))
    with pytest.raises(Conflict):
        await session.execute(old)
    assert (await sim.get_rollout(PRIMARY)).current_step == 2
    await stop(task)


async def test_read_only_never_acts(sim: Simulator, clock: VirtualClock):
    deploy = RecordingDeploy(sim)
    session = Session(deploy, sim, PRIMARY, SIM_METRICS, clock, read_only=True)
    task = await started(session, clock)
    with pytest.raises(Refused, match="read-only"):
        await session.execute(session.confirmation(Capability.PROMOTE))
    assert deploy.calls == []
    await stop(task)


async def test_store_failure_is_shown_and_recovered(sim: Simulator, clock: VirtualClock):
    store = RecordingStore(sim)
    updates: list[Update] = []
    session = Session(sim, store, PRIMARY, SIM_METRICS, clock)
    session.subscribe(updates.append)
    task = await started(session, clock)
    store.fail = True
    await clock.advance(10)
    errors = [u for u in updates if isinstance(u, LinkChanged) and u.source == "metrics"]
    assert errors and "store down" in (errors[-1].error or "") and errors[-1].retry_in
    assert session.windows["p99 latency"].error is not None
    await clock.advance(20)
    logged = [e for e in session.events if e.message.startswith("metrics: ")]
    assert len(logged) == 1, "one outage, one event, however many retries"
    store.fail = False
    await clock.advance(120)
    assert session.links["metrics"] is None
    assert session.windows["p99 latency"].error is None
    await stop(task)


async def test_dropped_watch_reconnects_and_blocks_actions_meanwhile(
    sim: Simulator, clock: VirtualClock
):
    deploy = RecordingDeploy(sim)
    deploy.drop_watch = 1
    session = Session(deploy, sim, PRIMARY, SIM_METRICS, clock)
    task = asyncio.create_task(session.run())
    await clock.advance(0)
    assert session.rollout is None and session.links["deploy"] == "watch dropped"
    await clock.advance(5)
    assert session.rollout is not None and session.links["deploy"] is None
    await stop(task)


async def test_refuses_to_act_while_the_rollout_state_is_stale(sim: Simulator, clock: VirtualClock):
    deploy = RecordingDeploy(sim)
    session = Session(deploy, sim, PRIMARY, SIM_METRICS, clock)
    task = await started(session, clock)
    session.links["deploy"] = "watch dropped"
    with pytest.raises(Refused, match="stale"):
        await session.execute(session.confirmation(Capability.PROMOTE))
    assert deploy.calls == []
    await stop(task)


async def test_new_revision_resets_the_windows(sim: Simulator, clock: VirtualClock):
    session = demo_session(sim)
    task = await started(session, clock)
    assert len(session.windows["p99 latency"].window(Role.CANARY)) > 0
    await session.execute(session.confirmation(Capability.PROMOTE_FULL))
    window = session.windows["p99 latency"]
    assert session.rollout is not None and session.rollout.canary is None
    assert len(window.window(Role.CANARY)) == 0 and not window.revisions
    await clock.advance(10)
    assert len(window.window(Role.CANARY)) == 0
    assert window.revisions.get(Role.STABLE) == "7d5f8b6c4d"
    await stop(task)


async def test_the_judge_runs_on_every_poll(clock: VirtualClock):
    sim = Simulator(clock, SimulatorOptions(scenario="latency-regression", actor="tester"))
    updates: list[Update] = []
    session = demo_session(sim)
    session.subscribe(updates.append)
    task = await started(session, clock)
    judgement = session.judgement
    assert judgement is not None and judgement.status == GateStatus.FAIL
    p99 = next(g for g in judgement.gates if g.name == "p99 latency")
    assert p99.status == GateStatus.FAIL and "— High: evidence " in p99.explanation
    assert any(isinstance(u, GatesChanged) for u in updates)
    await stop(task)


async def test_promoting_over_failing_gates_needs_the_name_typed_and_a_reason(
    clock: VirtualClock,
):
    sim = Simulator(clock, SimulatorOptions(scenario="latency-regression", actor="tester"))
    session = demo_session(sim)
    task = await started(session, clock)
    confirmation = session.confirmation(Capability.PROMOTE)
    assert "p99 latency" in confirmation.overrides
    with pytest.raises(Refused, match="type 'checkout-api' to promote anyway"):
        await session.execute(confirmation)
    with pytest.raises(Refused):
        await session.execute(confirmation.with_typed("checkout", "hotfix"))
    with pytest.raises(Refused, match="say why the gates are overridden"):
        await session.execute(confirmation.with_typed("checkout-api"))
    with pytest.raises(Refused, match="say why the gates are overridden"):
        await session.execute(confirmation.with_typed("checkout-api", " "))
    assert (await sim.get_rollout(PRIMARY)).current_step == 1
    await session.execute(confirmation.with_typed("checkout-api", "hotfix for INC-42"))
    assert (await sim.get_rollout(PRIMARY)).current_step == 2
    override = [e for e in session.events if e.message.startswith("override")]
    assert len(override) == 1 and override[0].actor == "tester"
    assert "p99 latency" in override[0].message and "p50 latency" in override[0].message
    assert override[0].message.endswith(' — "hotfix for INC-42"')
    await stop(task)


def test_an_override_reason_is_one_printable_line_that_says_something():
    """One rule for `promote --override` and the prompt's reason field."""
    assert override_reason("  hotfix\nfor\tINC-42 ") == "hotfix for INC-42"
    assert override_reason("INC-42\x1b]0;owned\x07") == "INC-42\\x1b]0;owned\\x07"
    for nothing in ("", "   ", "\n\t"):
        with pytest.raises(Refused, match=r'say why the gates are overridden, e\.g\. "hotfix"'):
            override_reason(nothing)


async def test_abort_needs_no_override(clock: VirtualClock):
    sim = Simulator(clock, SimulatorOptions(scenario="latency-regression"))
    session = demo_session(sim)
    task = await started(session, clock)
    confirmation = session.confirmation(Capability.ABORT)
    assert confirmation.overrides == ()
    assert (await session.execute(confirmation)).phase.value == "aborted"
    await stop(task)


async def test_bake_time_must_pass_before_promotion_is_advised(sim: Simulator, clock: VirtualClock):
    session = demo_session(sim)
    task = await started(session, clock)
    await session.execute(session.confirmation(Capability.PROMOTE))
    await clock.advance(50)
    judgement = session.judgement
    assert judgement is not None and judgement.bake_remaining is not None
    assert judgement.status == GateStatus.PENDING and "bake left" in judgement.explanation
    assert "bake time" in session.confirmation(Capability.PROMOTE).overrides
    await stop(task)


async def test_gate_changes_are_logged(clock: VirtualClock):
    sim = Simulator(clock, SimulatorOptions(scenario="slow-burn"))
    session = demo_session(sim)
    task = await started(session, clock)
    await clock.advance(200)
    gate_events = [e for e in session.events if e.level == EventLevel.GATE]
    assert [e.message.split(":")[0] for e in gate_events] == ["gate pass → fail"]
    assert "p50 latency" in gate_events[0].message
    await stop(task)


async def test_the_verdict_outlives_the_rollout(clock: VirtualClock):
    """Completed or aborted, the canary's last judgement stays: never back to 'no samples'."""
    for scenario, action in (("healthy", Capability.PROMOTE_FULL), ("error-spike", None)):
        sim = Simulator(clock, SimulatorOptions(scenario=scenario))
        session = demo_session(sim)
        task = await started(session, clock)
        before = session.judgement
        assert before is not None
        if action is None:
            action = Capability.ABORT
            assert next(g for g in before.gates if g.name == "errors").status == GateStatus.FAIL
        rollout = await session.execute(session.confirmation(action))
        assert rollout.phase.finished
        await clock.advance(600)
        assert session.judgement == before
        assert not [e for e in session.events if e.message.startswith("gate ")]
        await stop(task)


async def test_a_new_canary_revision_is_judged_afresh(sim: Simulator, clock: VirtualClock):
    session = demo_session(sim)
    task = await started(session, clock)
    rollout = session.rollout
    assert rollout is not None and rollout.canary is not None
    first = session.memory
    assert session.memory_for == rollout.canary.id
    session._accept(rollout.model_copy(update={"version": "again"}))
    assert session.memory is first
    retried = rollout.canary.model_copy(update={"id": "0123abcd"})
    session._accept(rollout.model_copy(update={"canary": retried, "version": "new"}))
    assert (session.memory is not first, session.memory_for) == (True, "0123abcd")
    await stop(task)


async def test_refuses_to_promote_on_stale_metrics(sim: Simulator, clock: VirtualClock):
    store = RecordingStore(sim)
    deploy = RecordingDeploy(sim)
    session = Session(deploy, store, PRIMARY, SIM_METRICS, clock)
    task = await started(session, clock)
    store.fail = True
    await clock.advance(10)
    with pytest.raises(Refused, match="metrics are stale"):
        await session.execute(session.confirmation(Capability.PROMOTE))
    assert deploy.calls == []
    await stop(task)


async def test_store_warnings_are_logged_once(sim: Simulator, clock: VirtualClock):
    class WarningStore(RecordingStore):
        async def query_range(self, query, start, end, step):
            result = await super().query_range(query, start, end, step)
            if query.name != "p99 latency":
                return result
            warning = "no series for canary revision 7d5f8b6c4d — check the label"
            return result.model_copy(update={"warnings": [warning], "missing": [Role.CANARY]})

    session = Session(sim, WarningStore(sim), PRIMARY, SIM_METRICS, clock)
    task = await started(session, clock)
    await clock.advance(30)
    logged = [e for e in session.events if "no series for canary" in e.message]
    assert len(logged) == 1 and logged[0].message.startswith("p99 latency: no series")
    assert session.windows["p99 latency"].missing == [Role.CANARY]
    await stop(task)


async def test_step_changes_are_kept_for_the_dependency_graphs(sim: Simulator, clock: VirtualClock):
    session = demo_session(sim)
    task = await started(session, clock)
    rollout = session.rollout
    assert rollout is not None and rollout.pause is not None
    assert list(session.step_changes) == [rollout.pause.since.timestamp()]
    await session.execute(session.confirmation(Capability.PROMOTE))
    assert list(session.step_changes)[-1] == clock.now().timestamp()
    await stop(task)


async def test_a_series_that_lags_is_asked_for_again(sim: Simulator, clock: VirtualClock):
    class LaggingCanary(RecordingStore):
        """Leaves the canary's newest sample out once, as a store still ingesting it would."""

        lagged = False

        async def query_range(self, query, start, end, step):
            result = await super().query_range(query, start, end, step)
            canary = result.series.get(Role.CANARY)
            if query.name != "p99 latency" or self.lagged or canary is None:
                return result
            self.lagged = True
            late = canary.model_copy(update={"points": canary.points[:-1]})
            return result.model_copy(update={"series": {**result.series, Role.CANARY: late}})

    store = LaggingCanary(sim)
    session = Session(sim, store, PRIMARY, SIM_METRICS, clock)
    task = await started(session, clock)
    window = session.windows["p99 latency"]
    held = window.window(Role.CANARY).last
    assert held is not None and window.window(Role.STABLE).last[0] == held[0] + 10
    store.spans.clear()
    await clock.advance(10)
    (span,) = [(s, e) for name, s, e in store.spans if name == "p99 latency"]
    assert span[0].timestamp() == held[0] + 10, "starts at the canary's missing step"
    assert window.window(Role.CANARY).last[0] == window.window(Role.STABLE).last[0]
    await stop(task)
