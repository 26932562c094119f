"""The moments told to a person: each once, in words a terminal cannot be tricked by."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

from backends.base import Capability
from backends.clock import VirtualClock
from backends.simulator.adapter import Simulator, SimulatorOptions
from tui.notify import clean, desktop_protocol, run_hook, sequence
from tui.session.demo import SEED, demo_session
from tui.session.notices import Notice, NoticeKind, Notices


def follow(clock: VirtualClock, scenario: str):
    sim = Simulator(clock, SimulatorOptions(scenario=scenario, seed=SEED, actor="tester"))
    session = demo_session(sim)
    told: list[Notice] = []
    session.subscribe(Notices(session, told.append))
    return session, told


async def run_for(clock: VirtualClock, session, minutes: int) -> None:
    task = asyncio.create_task(session.run())
    for _ in range(minutes * 6):
        await clock.advance(10)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_a_rollout_that_waits_is_told_once(clock: VirtualClock):
    session, told = follow(clock, "healthy")
    await run_for(clock, session, 3)
    assert [n.kind for n in told] == [NoticeKind.WAITING]
    assert told[0].title == "checkout-api waits for you"
    assert told[0].rollout_id == "shop/checkout-api"


async def test_a_failing_gate_is_told_once_per_gate(clock: VirtualClock):
    session, told = follow(clock, "error-spike")
    await run_for(clock, session, 12)
    failed = [n for n in told if n.kind == NoticeKind.GATE_FAILED]
    assert failed, "the error spike fails a gate"
    assert len({n.message.split(":")[0] for n in failed}) == len(failed)
    assert all(n.kind.bad for n in failed)


async def test_a_gate_found_failing_after_the_end_is_not_told(clock: VirtualClock):
    """The aborted rollout of the error-spike world, opened after its abort: its gates fail on
    the first look, which is no news to act on."""
    sim = Simulator(clock, SimulatorOptions(scenario="error-spike", seed=SEED, actor="tester"))
    session = demo_session(sim, rollout_id="messaging/notifications")
    told: list[Notice] = []
    session.subscribe(Notices(session, told.append, already=False))
    await run_for(clock, session, 2)
    assert session.rollout is not None and session.rollout.phase.finished
    judgement = session.judgement
    assert judgement is not None and any(g.status.value == "fail" for g in judgement.gates)
    assert told == []


async def test_completion_and_abort_are_told(clock: VirtualClock):
    session, told = follow(clock, "healthy")
    task = asyncio.create_task(session.run())
    await clock.advance(10)
    confirmation = session.confirmation(Capability.PROMOTE_FULL)
    await session.execute(confirmation.with_typed(session.rollout_service, "bake skipped"))
    for _ in range(12):
        await clock.advance(10)
    task.cancel()
    assert [n.kind for n in told] == [NoticeKind.WAITING, NoticeKind.COMPLETED]
    assert told[-1].title == "checkout-api rolled out"

    other = VirtualClock(clock.now())
    session, told = follow(other, "latency-regression")
    task = asyncio.create_task(session.run())
    await other.advance(10)
    await session.execute(session.confirmation(Capability.ABORT))
    await other.advance(10)
    task.cancel()
    assert told[-1].kind == NoticeKind.ABORTED and told[-1].kind.bad


NOTICE = Notice(
    kind=NoticeKind.GATE_FAILED,
    rollout_id="shop/api",
    service="api",
    title="api gate failed",
    message="p99 \x1b]0;owned\x07 high;\nsee logs",
    time=datetime(2026, 1, 1, tzinfo=UTC),
)


def test_sequences_carry_no_control_character_from_the_message():
    osc9 = sequence(NOTICE, "osc9", bell=True, tmux=False)
    assert osc9.startswith("\a\x1b]9;api gate failed: p99 ")
    assert osc9.endswith("\x07") and osc9.count("\x1b") == 1 and osc9.count("\x07") == 2
    osc777 = sequence(NOTICE, "osc777", bell=False, tmux=False)
    assert osc777.startswith("\x1b]777;notify;api gate failed;p99 ")
    assert osc777.count("\x1b") == 1
    assert sequence(NOTICE, None, bell=True, tmux=False) == "\a"
    assert sequence(NOTICE, None, bell=False, tmux=False) == ""
    assert clean("a\x1bb\x9bc") == "a b c"


def test_inside_tmux_the_sequence_is_passed_through():
    wrapped = sequence(NOTICE, "osc9", bell=False, tmux=True)
    assert wrapped.startswith("\x1bPtmux;\x1b\x1b]9;") and wrapped.endswith("\x07\x1b\\")


def test_the_terminal_is_recognised_from_its_environment():
    assert desktop_protocol({"TERM_PROGRAM": "iTerm.app"}) == "osc9"
    assert desktop_protocol({"WT_SESSION": "x"}) == "osc9"
    assert desktop_protocol({"TERM": "foot"}) == "osc777"
    assert desktop_protocol({"TERM": "xterm-256color", "VTE_VERSION": "7200"}) == "osc777"
    assert desktop_protocol({"TERM": "xterm-256color"}) is None


async def test_a_hook_gets_the_event_on_stdin(tmp_path: Path):
    out = tmp_path / "event.json"
    result = await run_hook(f"cat > {out}", json.dumps({"event": "gate_failed"}))
    assert result.ok
    assert json.loads(out.read_text()) == {"event": "gate_failed"}


async def test_a_failing_or_hanging_hook_is_reported_not_fatal():
    failed = await run_hook("exit 3", "{}")
    assert failed.code == 3 and not failed.ok
    hung = await run_hook("sleep 30", "{}", timeout=0.2)
    assert hung.code is None and hung.problem == "killed after 0.2s"
