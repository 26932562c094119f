"""`status` and `wait` without a screen: the same session, printed for people or pipelines.

`wait` is what a deploy pipeline calls, so its exit code is the contract: 0 the rollout
completed, 1 a gate failed or the rollout was aborted or degraded, 3 the timeout passed.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any, TextIO

from backends.model import GateStatus, Phase, Rollout
from tui import format
from tui.judge.verdict import Judgement
from tui.session.live import Session
from tui.session.updates import GatesChanged, LinkChanged, RolloutChanged, Update

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_TIMEOUT = 3


def rollout_record(rollout: Rollout) -> dict[str, Any]:
    step = rollout.step_at(rollout.current_step)
    return {
        "type": "rollout",
        "id": rollout.id,
        "phase": rollout.phase.value,
        "message": rollout.message,
        "step": None
        if rollout.current_step is None
        else min(rollout.current_step + 1, rollout.step_count),
        "steps": rollout.step_count,
        "step_label": step.label if step else None,
        "canary_weight": rollout.actual_weight,
        "stable": rollout.stable.id,
        "canary": rollout.canary.id if rollout.canary else None,
        "awaits_decision": rollout.awaits_decision,
    }


def gates_record(judgement: Judgement) -> dict[str, Any]:
    return {
        "type": "gates",
        "verdict": judgement.status.value,
        "score": judgement.score,
        "explanation": judgement.explanation,
        "bake_remaining_s": (
            judgement.bake_remaining.total_seconds() if judgement.bake_remaining else None
        ),
        "gates": [
            {
                "name": g.name,
                "status": g.status.value,
                "classification": g.classification,
                "explanation": g.explanation,
                "source": g.source.value,
                "samples": g.samples,
                "samples_needed": g.samples_needed,
            }
            for g in judgement.gates
        ],
    }


def status_document(session: Session) -> dict[str, Any]:
    """The rollout, its gates and the verdict: `status --json`."""
    assert session.rollout is not None
    document = session.rollout.model_dump(mode="json")
    judgement = session.judgement
    document["verdict"] = gates_record(judgement) if judgement else None
    document["links"] = session.links
    return document


def status_text(session: Session) -> str:
    rollout = session.rollout
    assert rollout is not None
    step = rollout.step_at(rollout.current_step)
    lines = [
        f"{rollout.id}: {rollout.phase}" + (f" — {rollout.message}" if rollout.message else "")
    ]
    position = format.position(rollout.current_step, rollout.step_count)
    lines.append(f"  step     {position} {step.label if step else 'done'}")
    lines.append(f"  stable   {rollout.stable.id} ({format.weight(rollout.stable.weight)})")
    if rollout.canary:
        lines.append(f"  canary   {rollout.canary.id} ({format.weight(rollout.canary.weight)})")
    change = rollout.change
    lines.append(f"  change   {change.short_sha} {change.title or ''} — {change.author or '?'}")
    if session.judgement:
        lines.append(f"  verdict  {session.judgement.explanation}")
        lines.extend(f"    {g.status.value:<8} {g.explanation}" for g in session.judgement.gates)
    for gate in rollout.controller_gates:
        lines.append(f"    {gate.status.value:<8} (controller) {gate.explanation}")
    if rollout.awaits_decision:
        lines.append("  waiting for a decision: promote or abort")
    return "\n".join(lines)


class Waiter:
    """Follows updates until the rollout ends or a gate fails, printing each change once."""

    def __init__(self, session: Session, *, as_json: bool, out: TextIO = sys.stdout) -> None:
        self.session = session
        self.as_json = as_json
        self.out = out
        self.done: asyncio.Future[tuple[int, str]] = asyncio.get_running_loop().create_future()
        self._last_rollout: dict[str, Any] | None = None
        self._last_statuses: tuple[object, ...] | None = None

    def __call__(self, update: Update) -> None:
        if isinstance(update, RolloutChanged):
            self._on_rollout(update.rollout)
        elif isinstance(update, GatesChanged):
            self._on_gates(update.judgement)
        elif isinstance(update, LinkChanged) and update.error:
            self.emit(
                {"type": "link", "source": update.source, "error": update.error},
                f"{update.source}: {update.error} — retrying",
            )

    def _on_rollout(self, rollout: Rollout) -> None:
        record = rollout_record(rollout)
        if record != self._last_rollout:
            self._last_rollout = record
            text = f"{rollout.phase}: step {record['step']}/{record['steps']} " + (
                f"{record['step_label'] or 'done'} (canary {format.weight(rollout.actual_weight)})"
            )
            self.emit(record, text)
        if rollout.phase == Phase.HEALTHY:
            self._finish(EXIT_OK, f"{rollout.service} rolled out: {rollout.stable.id} is stable")
        elif rollout.phase in (Phase.ABORTED, Phase.DEGRADED):
            self._finish(EXIT_FAILED, f"{rollout.service} {rollout.phase}: {rollout.message}")

    def _on_gates(self, judgement: Judgement) -> None:
        """Print the gates when a status or the verdict changes, not every time a number moves."""
        statuses = (judgement.status, tuple((g.name, g.status) for g in judgement.gates))
        failed = [g for g in judgement.gates if g.status == GateStatus.FAIL]
        if statuses != self._last_statuses or failed:
            self._last_statuses = statuses
            lines = [f"verdict: {judgement.explanation}"]
            lines.extend(f"  {g.status.value:<8} {g.explanation}" for g in judgement.gates)
            self.emit(gates_record(judgement), "\n".join(lines))
        failed = [g for g in judgement.gates if g.status == GateStatus.FAIL]
        if failed:
            self._finish(EXIT_FAILED, f"gate failed: {failed[0].explanation}")

    def emit(self, record: dict[str, Any], text: str) -> None:
        print(json.dumps(record) if self.as_json else text, file=self.out, flush=True)

    def _finish(self, code: int, reason: str) -> None:
        if not self.done.done():
            self.done.set_result((code, reason))


async def wait(
    session: Session, *, timeout: float | None, as_json: bool, out: TextIO = sys.stdout
) -> int:
    """Run the session headless until the rollout ends, a gate fails, or `timeout` seconds."""
    waiter = Waiter(session, as_json=as_json, out=out)
    unsubscribe = session.subscribe(waiter)
    runner = asyncio.create_task(session.run())
    try:
        either: set[asyncio.Future[Any]] = {waiter.done, runner}
        finished, _ = await asyncio.wait(
            either, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if runner in finished:
            runner.result()
        if waiter.done in finished:
            code, reason = waiter.done.result()
        else:
            code, reason = EXIT_TIMEOUT, f"timed out after {format.duration(timeout or 0)}"
    finally:
        unsubscribe()
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
    waiter.emit({"type": "result", "exit": code, "reason": reason}, reason)
    return code
