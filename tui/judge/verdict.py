"""Health gates: evaluate each gate by its kind and combine the results into one verdict.

The session hands in what it holds, the time, and the memory the anytime-valid gates keep for
the canary revision; the judge answers. Missing, stale or too little data never passes: such a
gate is pending (or failed, for a compare gate that must have data), and a verdict with a
pending gate is never a pass.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from backends.model import GateResult, GateStatus
from tui.format import duration
from tui.judge.data import Held, Look, Memory, MetricData
from tui.judge.kinds import KINDS
from tui.judge.result import JudgedGate
from tui.judge.specs import GateSpec, JudgeSpec


@dataclass(frozen=True)
class Judgement:
    """Every gate's result and the overall verdict, each explained in one line."""

    gates: list[JudgedGate]
    status: GateStatus
    score: float | None
    explanation: str
    bake_remaining: timedelta | None


def evaluate_gate(
    gate: GateSpec,
    metrics: Mapping[str, MetricData],
    now: float,
    memory: Memory | None = None,
) -> JudgedGate:
    """One gate by its kind's evaluator: a window gate over `(now - gate.window, now]`, an
    anytime-valid one over every sample since its memory began (all of them without one)."""
    look = Look(metrics, now, Memory() if memory is None else memory)
    try:
        return KINDS[gate.kind].evaluate(gate, look)
    except Held as held:
        return held.result


def _failure(result: GateResult) -> str:
    """'p99 latency High', 'errors no data': which gate failed and how."""
    how = {"NoData": "no data", None: "failed"}.get(result.classification, result.classification)
    return f"{result.name} {how}"


def _verdict(
    gates: Sequence[GateSpec], results: Sequence[GateResult], spec: JudgeSpec
) -> tuple[GateStatus, float | None, str]:
    """Kayenta's score: the weighted share of judged gates that pass, 0 on a critical failure."""
    pairs = list(zip(gates, results, strict=True))
    critical = [r for g, r in pairs if g.critical and r.status is GateStatus.FAIL]
    if critical:
        return GateStatus.FAIL, 0.0, f"score 0 (critical gate {_failure(critical[0])}) — fail"
    judged = [(g, r) for g, r in pairs if r.status is not GateStatus.PENDING]
    pending = [r.name for r in results if r.status is GateStatus.PENDING]
    if not judged:
        waiting = f"waiting for {len(pending)} of {len(results)} gates: {', '.join(pending)}"
        return GateStatus.PENDING, None, f"{waiting} — pending" if results else "no gates — pending"
    weights = [g.weight for g, _ in judged]
    if sum(weights) == 0:
        weights = [1.0] * len(judged)
    passed = [w for w, (_, r) in zip(weights, judged, strict=True) if r.status is GateStatus.PASS]
    score = round(100.0 * math.fsum(passed) / math.fsum(weights), 2)
    status = GateStatus.FAIL
    if score >= spec.pass_score:
        status = GateStatus.PASS
    elif score >= spec.marginal_score:
        status = GateStatus.MARGINAL
    failed = [_failure(r) for _, r in judged if r.status is GateStatus.FAIL]
    if pending and (status is GateStatus.PASS or not failed):
        status = GateStatus.PENDING
    counted = "judged gates" if pending else "gates"
    parts = [f"{len(passed)} of {len(judged)} {counted} pass", *failed]
    if pending:
        parts.append(f"{len(pending)} pending")
    return status, score, f"score {score:.0f} ({'; '.join(parts)}) — {status.value}"


def judge(
    gates: Sequence[GateSpec],
    metrics: Mapping[str, MetricData],
    now: float,
    judge_spec: JudgeSpec,
    bake_started: float | None = None,
    memory: Memory | None = None,
) -> Judgement:
    """All gates and the overall verdict; a passing verdict holds until the bake is over."""
    memory = Memory() if memory is None else memory
    results = [evaluate_gate(gate, metrics, now, memory) for gate in gates]
    status, score, text = _verdict(gates, results, judge_spec)
    remaining = None
    if judge_spec.bake > timedelta(0) and bake_started is not None:
        elapsed = timedelta(seconds=now - bake_started)
        remaining = max(judge_spec.bake - elapsed, timedelta(0))
        if status is GateStatus.PASS and remaining > timedelta(0):
            status = GateStatus.PENDING
            left = duration(math.ceil(remaining.total_seconds()))
            text = text.rsplit(" — ", 1)[0] + f" — holding: {left} of bake left"
    return Judgement(results, status, score, text, remaining)
