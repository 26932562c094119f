"""How a gate's explanation writes numbers, changes and the reason for its label.

Explanations are read in the gates panel and in headless output, so numbers keep three
significant digits and changes read as signed percents, whatever the gate kind.
"""

from __future__ import annotations

import math

from tui.judge.specs import CompareGate, RateGate
from tui.judge.stats.classification import Change, Direction


def fmt_number(value: float) -> str:
    """Three significant digits, thousands separators from 1,000 up: '412', '0.0123', '12,345'."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if abs(value) >= 999.5:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def fmt_value(value: float, unit: str) -> str:
    return f"{fmt_number(value)} {unit}" if unit else fmt_number(value)


def fmt_change(ratio: float) -> str:
    """A ratio as a signed percent change: 1.35 -> '+35 %', 0.995 -> '-0.5 %'.

    A ratio without a finite value means the stable side is zero.
    """
    if not math.isfinite(ratio):
        return "from 0"
    pct = (ratio - 1.0) * 100.0
    digits = f"{abs(pct):.0f}" if abs(pct) >= 10 else f"{abs(pct):.2g}"
    return f"{'-' if pct < 0 else '+'}{digits} %"


def fmt_confidence(confidence: float) -> str:
    return f"{confidence * 100:g} %"


def verdict_text(
    label: str,
    change: Change,
    direction: Direction,
    effect: float,
    gate: CompareGate | RateGate,
) -> str:
    """Why the label: High/Low with its confidence, or which rule let a move pass."""
    confidence = fmt_confidence(gate.confidence)
    if label != "Pass":
        return f"{label} at {confidence} confidence"
    if change == "up" and direction == "decrease":
        return "Pass: only a decrease fails"
    if change == "down" and direction == "increase":
        return "Pass: only an increase fails"
    if change == "up" and effect < gate.allowed_increase:
        return f"Pass: within allowed {fmt_change(gate.allowed_increase)}"
    if change == "down" and effect > gate.allowed_decrease:
        return f"Pass: within allowed {fmt_change(gate.allowed_decrease)}"
    return f"Pass: no clear change at {confidence} confidence"
