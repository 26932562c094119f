"""The simulator as a deploy backend and a metrics store, under a virtual clock."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from pydantic import ValidationError

from backends.base import Capability
from backends.clock import VirtualClock
from backends.errors import Conflict, NotFound
from backends.model import Expectation, MetricQuery, Phase, QueryContext, Role
from backends.simulator.adapter import Simulator, SimulatorOptions
from backends.simulator.world import SCENARIOS

PRIMARY = "shop/checkout-api"


def query(sim_rollout, key: str, *, split: bool = True) -> MetricQuery:
    return MetricQuery(
        name=key,
        template=key,
        split=split,
        context=QueryContext(
            service=sim_rollout.service,
            namespace=sim_rollout.namespace or "",
            stable_revision=sim_rollout.stable.id,
            canary_revision=sim_rollout.canary.id if sim_rollout.canary else None,
        ),
    )


async def series(sim: Simulator, key: str, minutes: int = 5) -> dict[Role, list[float]]:
    rollout = await sim.get_rollout(PRIMARY)
    now = sim.clock.now()
    result = await sim.query_range(
        query(rollout, key), now - timedelta(minutes=minutes), now, timedelta(seconds=10)
    )
    return {role: [p.v for p in s.points] for role, s in result.series.items()}


async def test_same_seed_gives_same_series(clock: VirtualClock):
    first = Simulator(clock, SimulatorOptions(seed=11))
    second = Simulator(VirtualClock(clock.now()), SimulatorOptions(seed=11))
    other = Simulator(VirtualClock(clock.now()), SimulatorOptions(seed=12))
    a = await series(first, "latency_p99")
    assert a == await series(second, "latency_p99")
    assert a[Role.CANARY] != (await series(other, "latency_p99"))[Role.CANARY]


async def test_a_span_fetched_in_pieces_equals_the_whole(sim: Simulator):
    rollout = await sim.get_rollout(PRIMARY)
    now = sim.clock.now()
    q = query(rollout, "latency_p50")
    step = timedelta(seconds=10)
    whole = await sim.query_range(q, now - timedelta(minutes=4), now, step)
    head = await sim.query_range(q, now - timedelta(minutes=4), now - timedelta(minutes=2), step)
    tail = await sim.query_range(q, now - timedelta(minutes=2) + step, now, step)
    for role in (Role.STABLE, Role.CANARY):
        assert whole.series[role].points == head.series[role].points + tail.series[role].points


async def test_a_revision_the_simulator_does_not_know_is_missing_not_empty(sim: Simulator):
    rollout = await sim.get_rollout(PRIMARY)
    q = query(rollout, "latency_p99")
    q = q.model_copy(update={"context": q.context.model_copy(update={"canary_revision": "ccc333"})})
    now = sim.clock.now()
    result = await sim.query_range(q, now - timedelta(minutes=2), now, timedelta(seconds=10))
    assert result.missing == [Role.CANARY]
    assert list(result.series) == [Role.STABLE] and result.series[Role.STABLE].points


async def test_canary_traffic_follows_its_weight(sim: Simulator):
    values = await series(sim, "requests", minutes=3)
    stable, canary = sum(values[Role.STABLE]), sum(values[Role.CANARY])
    share = canary / (stable + canary)
    assert 0.035 < share < 0.065, share  # one host of twenty: 5 %


async def test_latency_regression_raises_canary_p99(clock: VirtualClock):
    sim = Simulator(clock, SimulatorOptions(scenario="latency-regression"))
    values = await series(sim, "latency_p99")
    stable = sorted(values[Role.STABLE])[len(values[Role.STABLE]) // 2]
    canary = sorted(values[Role.CANARY])[len(values[Role.CANARY]) // 2]
    assert canary / stable > 1.2


async def test_healthy_canary_matches_stable(sim: Simulator):
    values = await series(sim, "latency_p99")
    stable = sorted(values[Role.STABLE])[len(values[Role.STABLE]) // 2]
    canary = sorted(values[Role.CANARY])[len(values[Role.CANARY]) // 2]
    assert 0.9 < canary / stable < 1.1


async def test_error_spike_raises_canary_errors(clock: VirtualClock):
    sim = Simulator(clock, SimulatorOptions(scenario="error-spike"))
    values = await series(sim, "error_ratio", minutes=4)
    canary = [v for v in values[Role.CANARY] if not math.isnan(v)]
    stable = values[Role.STABLE]
    assert sum(canary) / len(canary) > 4 * sum(stable) / len(stable)


async def test_world_has_rollouts_in_different_phases(sim: Simulator):
    rollouts = await sim.list_rollouts()
    assert {r.phase for r in rollouts} >= {Phase.PAUSED, Phase.HEALTHY, Phase.ABORTED}
    assert len({r.service for r in rollouts}) == len(rollouts) >= 4
    assert all(r.change.sha and r.change.author and r.change.title for r in rollouts)
    assert rollouts[0].id == PRIMARY and rollouts[0].awaits_decision


async def test_steps_progress_through_the_plan(sim: Simulator, clock: VirtualClock):
    rollout = await sim.get_rollout(PRIMARY)
    assert [s.label for s in rollout.steps] == [
        "canary on 1 host (5 %)",
        "pause until confirmed",
        "10 % of traffic",
        "bake 5m",
        "25 % of traffic",
        "50 % of traffic",
        "100 % of traffic",
    ]
    assert rollout.current_step == 1 and rollout.phase == Phase.PAUSED
    await clock.advance(3600)
    assert (await sim.get_rollout(PRIMARY)).current_step == 1, "a human pause waits for a human"

    rollout = await sim.promote(PRIMARY, expect=Expectation.of(rollout))
    assert rollout.current_step == 2 and rollout.desired_weight == 10
    await clock.advance(45)
    rollout = await sim.get_rollout(PRIMARY)
    assert rollout.current_step == 3 and rollout.phase == Phase.PAUSED
    assert rollout.pause is not None and rollout.pause.until is not None
    assert not rollout.awaits_decision, "a bake resumes by itself"
    await clock.advance(300 + 45 * 3)
    rollout = await sim.get_rollout(PRIMARY)
    assert rollout.phase == Phase.HEALTHY
    assert rollout.stable.id == "7d5f8b6c4d" and rollout.canary is None
    assert any(
        e.message == "promoted: pause until confirmed done" and e.actor == "tester"
        for e in rollout.events
    )


async def test_promote_refuses_a_rollout_that_moved_on(sim: Simulator):
    seen = await sim.get_rollout(PRIMARY)
    await sim.promote(PRIMARY, expect=Expectation.of(seen))
    with pytest.raises(Conflict, match="moved on"):
        await sim.promote(PRIMARY, expect=Expectation.of(seen))
    with pytest.raises(Conflict):
        await sim.abort(PRIMARY, expect=Expectation(step=seen.current_step))
    with pytest.raises(Conflict) as refused:
        await sim.abort(PRIMARY, expect=Expectation(canary_revision="0000000000"))
    assert str(refused.value) == (
        f"{PRIMARY} moved on: it is at canary {seen.canary.id}, you confirmed canary 0000000000"
    )
    assert (await sim.get_rollout(PRIMARY)).current_step == 2


async def test_abort_then_retry(sim: Simulator, clock: VirtualClock):
    seen = await sim.get_rollout(PRIMARY)
    aborted = await sim.abort(PRIMARY, expect=Expectation.of(seen))
    assert aborted.phase == Phase.ABORTED and aborted.actual_weight == 0
    await clock.advance(60)
    assert (await series(sim, "requests", minutes=0))[Role.CANARY] == []
    with pytest.raises(Conflict):
        await sim.promote(PRIMARY, expect=Expectation.of(aborted))
    retried = await sim.retry(PRIMARY)
    assert retried.phase == Phase.PROGRESSING and retried.current_step == 0


async def test_promote_full_finishes(sim: Simulator):
    seen = await sim.get_rollout(PRIMARY)
    done = await sim.promote(PRIMARY, expect=Expectation.of(seen), full=True)
    assert done.phase == Phase.HEALTHY and done.actual_weight == 100
    assert Capability.PROMOTE_FULL in sim.capabilities


async def test_pause_holds_the_step_and_its_timers_until_resumed(
    sim: Simulator, clock: VirtualClock
):
    assert {Capability.PAUSE, Capability.RESUME} <= sim.capabilities
    seen = await sim.promote(PRIMARY, expect=Expectation.of(await sim.get_rollout(PRIMARY)))
    assert seen.current_step == 2, "ramping to 10 %: 45 s until the bake"
    await clock.advance(30)
    held = await sim.pause(PRIMARY, expect=Expectation.of(await sim.get_rollout(PRIMARY)))
    assert held.phase == Phase.PAUSED and held.awaits_decision
    assert held.pause is not None and held.pause.until is None
    assert held.message == "RolloutPaused: held until resumed"
    await clock.advance(3600)
    assert (await sim.get_rollout(PRIMARY)).current_step == 2, "held: the ramp waits too"
    with pytest.raises(Conflict, match="already paused"):
        await sim.pause(PRIMARY, expect=Expectation.of(held))

    resumed = await sim.resume(PRIMARY, expect=Expectation.of(held))
    assert resumed.phase == Phase.PROGRESSING and resumed.pause is None
    assert resumed.current_step == 2
    await clock.advance(14)
    assert (await sim.get_rollout(PRIMARY)).current_step == 2, "15 s of the ramp were left"
    await clock.advance(1)
    assert (await sim.get_rollout(PRIMARY)).current_step == 3
    with pytest.raises(Conflict, match="is not paused"):
        await sim.resume(PRIMARY, expect=Expectation.of(resumed))
    messages = [(e.message, e.actor) for e in (await sim.get_rollout(PRIMARY)).events]
    assert ("paused: held until resumed", "tester") in messages
    assert ("resumed", "tester") in messages


async def test_pause_and_resume_check_what_the_user_saw(sim: Simulator):
    seen = await sim.get_rollout(PRIMARY)
    await sim.promote(PRIMARY, expect=Expectation.of(seen))
    with pytest.raises(Conflict, match="moved on: it is at step 3/7"):
        await sim.pause(PRIMARY, expect=Expectation.of(seen))
    now = await sim.get_rollout(PRIMARY)
    assert now.pause is None and now.current_step == 2, "nothing changed"
    held = await sim.pause(PRIMARY, expect=Expectation.of(now))
    with pytest.raises(Conflict, match="moved on"):
        await sim.resume(PRIMARY, expect=Expectation.of(now))
    assert (await sim.get_rollout(PRIMARY)).pause == held.pause, "still held"


async def test_promote_releases_a_hold(sim: Simulator, clock: VirtualClock):
    seen = await sim.get_rollout(PRIMARY)
    with pytest.raises(Conflict, match="a pause step waits for promote"):
        await sim.resume(PRIMARY, expect=Expectation.of(seen))
    held = await sim.pause(PRIMARY, expect=Expectation.of(seen))
    promoted = await sim.promote(PRIMARY, expect=Expectation.of(held))
    assert promoted.current_step == 2 and promoted.phase == Phase.PROGRESSING
    await clock.advance(45)
    assert (await sim.get_rollout(PRIMARY)).current_step == 3


async def test_a_finished_rollout_cannot_be_paused(sim: Simulator):
    done = await sim.promote(
        PRIMARY, expect=Expectation.of(await sim.get_rollout(PRIMARY)), full=True
    )
    with pytest.raises(Conflict, match="nothing to pause"):
        await sim.pause(PRIMARY, expect=Expectation.of(done))


async def test_watch_yields_on_change_and_on_timers(sim: Simulator, clock: VirtualClock):
    seen = await sim.get_rollout(PRIMARY)
    stream = sim.watch_rollout(PRIMARY)
    first = await anext(stream)
    assert first.current_step == 1
    await sim.promote(PRIMARY, expect=Expectation.of(seen))
    assert (await anext(stream)).current_step == 2
    pending = anext(stream)
    await clock.advance(45)
    assert (await pending).current_step == 3, "the ramp's end wakes the watcher"
    await stream.aclose()


async def test_unknown_rollout_names_the_known_ones(sim: Simulator):
    with pytest.raises(NotFound, match="known: shop/checkout-api"):
        await sim.get_rollout("shop/nope")


def test_unknown_scenario_is_refused(clock: VirtualClock):
    with pytest.raises(ValueError, match="choose one of"):
        Simulator(clock, SimulatorOptions(scenario="meteor"))


def test_a_misspelt_scenario_is_refused_listing_the_choices():
    with pytest.raises(ValidationError) as error:
        SimulatorOptions.model_validate({"scenario": "helthy"})
    (first,) = error.value.errors()
    assert first["loc"] == ("scenario",)
    assert "unknown scenario 'helthy'; choose one of: " in first["msg"]
    assert all(name in first["msg"] for name in SCENARIOS)


@pytest.mark.parametrize(
    ("table", "option"),
    [
        ({"sede": 7}, "sede"),
        ({"speed": 0}, "speed"),
        ({"speed": -2}, "speed"),
        ({"speed": float("inf")}, "speed"),
        ({"speed": float("nan")}, "speed"),
        ({"speed": 10_001}, "speed"),
        ({"auto_confirm": 0}, "auto_confirm"),
        ({"seed": "seven"}, "seed"),
    ],
)
def test_bad_options_are_refused_by_name(table, option: str):
    with pytest.raises(ValidationError) as error:
        SimulatorOptions.model_validate(table)
    assert [e["loc"] for e in error.value.errors()] == [(option,)]


def test_speed_up_to_ten_thousand_is_accepted():
    assert SimulatorOptions.model_validate({"speed": 10_000}).speed == 10_000
    assert SimulatorOptions().speed == 1.0


def test_scenarios_named_in_the_issue_exist():
    assert {"healthy", "latency-regression", "error-spike", "noisy"} <= set(SCENARIOS)


async def test_auto_confirm_moves_pauses_on_by_themselves(clock: VirtualClock):
    """The world starts five minutes into the rollout: the pause ended at 1m45s."""
    sim = Simulator(clock, SimulatorOptions(auto_confirm=60))
    rollout = await sim.get_rollout(PRIMARY)
    assert rollout.current_step == 3 and not rollout.awaits_decision
    assert any(e.message == "pause ended: confirmed automatically" for e in rollout.events)
