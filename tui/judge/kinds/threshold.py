"""The threshold gate: the canary's aggregate over the window stays within an absolute bound."""

from __future__ import annotations

from backends.model import Role
from tui.judge.data import Look, fetch, gate_result, require, role_of, without_nan
from tui.judge.result import JudgedGate
from tui.judge.specs import ThresholdGate
from tui.judge.stats.sample import aggregate
from tui.judge.text import threshold_line


def evaluate(gate: ThresholdGate, look: Look) -> JudgedGate:
    """High above `max`, Low below `min`; the bound drawn is the one broken, else the main one."""
    role = role_of(look, gate.metric)
    data, raw = fetch(gate, look, gate.metric, role)
    values = without_nan(raw)
    n = require(gate, len(values))
    value = aggregate(values, gate.aggregate)
    label = "Pass"
    if gate.max is not None and not value <= gate.max:
        label = "High"
    elif gate.min is not None and not value >= gate.min:
        label = "Low"
    prefer_max = gate.max is not None and (gate.min is None or data.spec.better == "lower")
    bound = {"High": gate.max, "Low": gate.min}.get(label, gate.max if prefer_max else gate.min)
    text = threshold_line(gate, value, data.spec.unit, label, n, canary=role is Role.CANARY)
    return gate_result(gate, label, text, samples=n, threshold=bound)
