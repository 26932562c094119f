"""The continuous gate: anytime-valid, the canary's values (a p99, a duration) against stable's.

Each interval's canary and stable values form a pair, judged as the log of their ratio (see
stats.pair_evidence): load that moves both sides cancels, a spike counts as one pair. The
gate fails, for good, at the first pair where the evidence reaches its bar.
"""

from __future__ import annotations

import math

from backends.model import GateStatus, Role
from tui.judge.data import Look, Track, fresh, gate_result, intervals, pending
from tui.judge.result import JudgedGate, estimate
from tui.judge.specs import ContinuousGate
from tui.judge.stats.classification import Direction
from tui.judge.stats.pair_evidence import PairEvidence
from tui.judge.text import continuous_line, evidence_text, null_text


def _direction(gate: ContinuousGate, look: Look) -> Direction:
    if gate.direction is not None:
        return gate.direction
    known = look.metrics.get(gate.metric)
    return "decrease" if known is not None and known.spec.better == "higher" else "increase"


def _spacing(look: Look, metric: str) -> float:
    """Seconds from one pair taken to the next: a sample span, less half a step of jitter."""
    spec = look.metrics[metric].spec
    step = spec.resolution.total_seconds()
    span = spec.sample_span.total_seconds() if spec.sample_span else step
    return max(span, step) - step / 2


def _tested(direction: Direction) -> list[Direction]:
    """The one-sided tests a direction needs: an increase, a decrease, or both."""
    return [side for side in ("increase", "decrease") if direction in (side, "either")]


def evaluate(gate: ContinuousGate, look: Look) -> JudgedGate:
    direction = _direction(gate, look)
    tested = _tested(direction)
    track = look.memory.track(gate, lambda: Track([PairEvidence() for _ in tested]))
    if track.failed is not None:
        return track.failed
    series = [(gate.metric, Role.CANARY), (gate.metric, Role.STABLE)]
    rows, track.seen_until = intervals(look, series, track.seen_until)
    spacing = _spacing(look, gate.metric) if rows else 0.0
    for t, (canary, stable) in rows:
        if t - track.last_taken < spacing:
            continue
        if not (canary > 0 and stable > 0 and math.isfinite(canary) and math.isfinite(stable)):
            continue
        track.last_taken = t
        change = math.log(canary / stable)
        for side, test in zip(track.sides, tested, strict=True):
            if test == "increase":
                side.add(change - math.log(gate.allowed_increase), canary, stable)
            else:
                side.add(math.log(gate.allowed_decrease) - change, canary, stable)
        if (failed := _failed(gate, look, track, tested)) is not None:
            track.failed = failed
            return failed
    for name, role in series:
        fresh(gate, look, name, role)
    judged = track.sides[0].pairs
    if judged < gate.min_samples:
        raise pending(gate, f"{judged} of {gate.min_samples} pairs so far", judged)
    return _result(gate, look, track, direction, "Pass", GateStatus.PASS)


def _failed(
    gate: ContinuousGate, look: Look, track: Track[PairEvidence], tested: list[Direction]
) -> JudgedGate | None:
    bar = math.log(gate.threshold * len(track.sides))
    for side, test in zip(track.sides, tested, strict=True):
        if side.log_value >= bar:
            label = "High" if test == "increase" else "Low"
            return _result(gate, look, track, _direction(gate, look), label, GateStatus.FAIL)
    return None


def _result(
    gate: ContinuousGate,
    look: Look,
    track: Track[PairEvidence],
    direction: Direction,
    label: str,
    status: GateStatus,
) -> JudgedGate:
    strongest = max(track.sides, key=lambda side: side.log_value)
    against = null_text(direction, gate.allowed_increase, gate.allowed_decrease)
    bar = gate.threshold * len(track.sides)
    verdict = evidence_text(label, strongest.log_value, bar, against)
    unit = look.metrics[gate.metric].spec.unit
    text = continuous_line(gate, strongest, unit, verdict)
    canary, stable = strongest.means
    shift = estimate(canary / stable, "values")
    return gate_result(gate, label, text, status=status, samples=strongest.pairs, estimate=shift)
