"""The relative gate: the canary's aggregate against stable's, within a tolerance."""

from __future__ import annotations

import math

from tui.judge.data import Look, fetch_both, gate_result, pending, require, without_nan
from tui.judge.result import JudgedGate
from tui.judge.specs import RelativeGate
from tui.judge.stats.sample import aggregate, ratio
from tui.judge.text import relative_line


def evaluate(gate: RelativeGate, look: Look) -> JudgedGate:
    """`canary <= stable * (1 + tolerance)`, or `>= stable * (1 - tolerance)` if higher is good."""
    data, raw_canary, raw_stable = fetch_both(gate, look, gate.metric)
    canary, stable = without_nan(raw_canary), without_nan(raw_stable)
    n = require(gate, len(canary), len(stable))
    c, s = aggregate(canary, gate.aggregate), aggregate(stable, gate.aggregate)
    lower_better = data.spec.better == "lower"
    bound = s + gate.tolerance * abs(s) if lower_better else s - gate.tolerance * abs(s)
    if math.isnan(bound) or math.isnan(c):
        raise pending(gate, f"{gate.aggregate} is undefined (+Inf and -Inf in the window)", n)
    label = "Pass"
    if lower_better and c > bound:
        label = "High"
    elif not lower_better and c < bound:
        label = "Low"
    text = relative_line(
        gate,
        (c, s),
        ratio(c, s),
        data.spec.unit,
        label,
        (len(canary), len(stable)),
        lower_better=lower_better,
    )
    return gate_result(gate, label, text, samples=n, threshold=bound)
