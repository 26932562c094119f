"""The count gate: anytime-valid, the canary's events per exposure against stable's.

Every interval since the canary began adds to the evidence (see stats.count_evidence); the
gate fails, for good, at the first interval where the evidence reaches its bar. Until then it
passes once `min_samples` intervals are in, or is pending; stale data holds it at pending.
"""

from __future__ import annotations

import math

from backends.model import GateStatus, Role
from tui.judge.data import Look, Track, fresh, gate_result, intervals, pending
from tui.judge.result import JudgedGate, estimate
from tui.judge.specs import CountGate
from tui.judge.stats.count_evidence import CountEvidence
from tui.judge.text import count_line, count_noun, evidence_text, null_text


def start(gate: CountGate) -> Track[CountEvidence]:
    """One test per direction that fails: an increase beyond the allowed ratio, a drop below it."""
    sides = []
    if gate.direction != "decrease":
        sides.append(CountEvidence(bound=gate.allowed_increase, up=True))
    if gate.direction != "increase":
        sides.append(CountEvidence(bound=gate.allowed_decrease, up=False))
    return Track(sides)


def evaluate(gate: CountGate, look: Look) -> JudgedGate:
    track = look.memory.track(gate, lambda: start(gate))
    if track.failed is not None:
        return track.failed
    series = [
        (name, role)
        for name in (gate.numerator, gate.denominator)
        for role in (Role.CANARY, Role.STABLE)
    ]
    rows, track.seen_until = intervals(look, series, track.seen_until)
    steps = [look.metrics[name].spec.resolution.total_seconds() for name, _ in series if rows]
    for _, values in rows:
        ce, se, cx, sx = (v * step for v, step in zip(values, steps, strict=True))
        if not all(math.isfinite(v) and v >= 0 for v in (ce, se, cx, sx)):
            continue
        for side in track.sides:
            side.add((ce, cx), (se, sx))
        if (failed := _failed(gate, look, track)) is not None:
            track.failed = failed
            return failed
    for name, role in series:
        fresh(gate, look, name, role)
    judged = track.sides[0].intervals
    if judged < gate.min_samples:
        raise pending(gate, f"{judged} of {gate.min_samples} intervals so far", judged)
    return _result(gate, look, track, "Pass", GateStatus.PASS)


def _bar(gate: CountGate, track: Track[CountEvidence]) -> float:
    """The evidence a side needs: two sides share the false-alarm budget."""
    return gate.threshold * len(track.sides)


def _failed(gate: CountGate, look: Look, track: Track[CountEvidence]) -> JudgedGate | None:
    bar = math.log(_bar(gate, track))
    for side in track.sides:
        if side.log_value >= bar:
            return _result(gate, look, track, "High" if side.up else "Low", GateStatus.FAIL)
    return None


def _result(
    gate: CountGate, look: Look, track: Track[CountEvidence], label: str, status: GateStatus
) -> JudgedGate:
    strongest = max(track.sides, key=lambda side: side.log_value)
    against = null_text(gate.direction, gate.allowed_increase, gate.allowed_decrease)
    verdict = evidence_text(label, strongest.log_value, _bar(gate, track), against)
    nouns = (
        count_noun(look.metrics[gate.numerator].spec),
        count_noun(look.metrics[gate.denominator].spec),
    )
    text = count_line(gate, strongest, nouns, verdict)
    samples, ratio = strongest.intervals, estimate(strongest.ratio, "rates")
    return gate_result(gate, label, text, status=status, samples=samples, estimate=ratio)
