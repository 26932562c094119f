"""Every gate's one-line explanation, and how those lines write numbers, changes and reasons.

Explanations are read in the gates panel and in headless output, so numbers keep three
significant digits and changes read as signed percents, whatever the gate kind. Each kind has
one function here that writes its line from the numbers its evaluator found.
"""

from __future__ import annotations

import math

from tui.judge.specs import CompareGate, MetricSpec, RateGate, RelativeGate, ThresholdGate
from tui.judge.stats.classification import Change, Direction
from tui.judge.stats.rank import Comparison
from tui.judge.stats.rate_test import RateComparison


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


def count_noun(spec: MetricSpec) -> str:
    """What a count is of: 'errors/s' -> 'errors', else the metric's name."""
    noun = spec.unit.strip().removesuffix("/s").strip()
    return noun if noun.isalpha() and noun != spec.unit.strip() else spec.name


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


def threshold_line(
    gate: ThresholdGate, value: float, unit: str, label: str, n: int, *, canary: bool
) -> str:
    """'p99: canary p99 726 ms (max 400 ms) — High, n=30'."""
    limits = ", ".join(
        f"{word} {fmt_value(limit, unit)}"
        for word, limit in (("min", gate.min), ("max", gate.max))
        if limit is not None
    )
    who = "canary " if canary else ""
    return (
        f"{gate.name}: {who}{gate.aggregate} {fmt_value(value, unit)} ({limits}) — {label}, n={n}"
    )


def relative_line(
    gate: RelativeGate,
    values: tuple[float, float],
    ratio: float,
    unit: str,
    label: str,
    sizes: tuple[int, int],
    *,
    lower_better: bool,
) -> str:
    """'p99: canary mean 412 ms vs stable 305 ms (+35 %, allowed +10 %) — High, n=30/30'."""
    allowed = f"allowed {'+' if lower_better else '-'}{fmt_number(gate.tolerance * 100)} %"
    return (
        f"{gate.name}: canary {gate.aggregate} {fmt_value(values[0], unit)}"
        f" vs stable {fmt_value(values[1], unit)} ({fmt_change(ratio)}, {allowed})"
        f" — {label}, n={sizes[0]}/{sizes[1]}"
    )


def compare_line(
    gate: CompareGate,
    means: tuple[float, float],
    unit: str,
    cmp: Comparison,
    direction: Direction,
    sizes: tuple[int, int],
) -> str:
    """The means, the effect, the verdict and, for tied samples, why the rank test decided."""
    head = f"{gate.name}: canary {fmt_value(means[0], unit)} vs stable {fmt_value(means[1], unit)}"
    counts = f"n={sizes[0]}/{sizes[1]}"
    if cmp.basis == "identical":
        return f"{head} — Pass: identical samples, {counts}"
    allowed = {"High": gate.allowed_increase, "Low": gate.allowed_decrease}.get(cmp.label, 1.0)
    effect = fmt_change(cmp.effect)
    if allowed != 1.0:
        effect += f", allowed {fmt_change(allowed)}"
    text = f"{head} ({effect}) — {verdict_text(cmp.label, cmp.change, direction, cmp.effect, gate)}"
    if cmp.basis == "tied" and cmp.test is not None:
        share = f"{cmp.tied_share * 100:.0f} %"
        if cmp.tied_value == 0:
            what = f"zero-inflated, {share} zeros"
        else:
            what = f"{share} of samples are {fmt_number(cmp.tied_value)}"
        text += f" ({what}: no shift to estimate, rank test p={cmp.test.p_value:.2g})"
    return f"{text}, {counts}"


def rate_line(
    gate: RateGate,
    canary: tuple[float, float],
    stable: tuple[float, float],
    nouns: tuple[str, str],
    cmp: RateComparison,
) -> str:
    """'errors: canary 36 errors in 3,000 requests (1.2 %) vs stable 240 in 120,000 (0.2 %) — ...'.

    `canary` and `stable` are (events, exposure) pairs; `nouns` name the events and exposure.
    """
    (ce, cx), (se, sx) = canary, stable
    return (
        f"{gate.name}: canary {round(ce):,} {nouns[0]} in {round(cx):,} {nouns[1]}"
        f" ({fmt_number(ce / cx * 100)} %) vs stable {round(se):,} in {round(sx):,}"
        f" ({fmt_number(se / sx * 100)} %)"
        f" — {verdict_text(cmp.label, cmp.change, gate.direction, cmp.effect, gate)}"
    )
