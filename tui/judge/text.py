"""Every gate's one-line explanation, and how those lines write numbers, changes and reasons.

Explanations are read in the gates panel and in headless output, so numbers keep three
significant digits and changes read as signed percents, whatever the gate kind. Each kind has
one function here that writes its line from the numbers its evaluator found.
"""

from __future__ import annotations

import math

from tui.judge.result import Estimate
from tui.judge.specs import (
    CompareGate,
    ContinuousGate,
    CountGate,
    MetricSpec,
    RateGate,
    RelativeGate,
    ThresholdGate,
)
from tui.judge.stats.classification import Change, Direction
from tui.judge.stats.count_evidence import CountEvidence
from tui.judge.stats.pair_evidence import PairEvidence
from tui.judge.stats.rank import Comparison
from tui.judge.stats.rate_test import RateComparison

MILLION = 1e6
TINY = 0.01
"""Evidence below this reads as "under 0.01×": any smaller is no evidence at all."""


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


def fmt_change_against(ratio: float, allowed: float) -> str:
    """`fmt_change`, with digits added until it reads apart from the allowed change beside it.

    '+10 %, allowed +10 % — High' hides why; '+10.04 %, allowed +10 %' shows it.
    """
    text = fmt_change(ratio)
    if not math.isfinite(ratio) or ratio == allowed or text != fmt_change(allowed):
        return text
    for decimals in range(1, 10):
        text = f"{(ratio - 1.0) * 100.0:+.{decimals}f} %"
        if text != f"{(allowed - 1.0) * 100.0:+.{decimals}f} %":
            break
    return text


def fmt_apart(first: float, second: float, unit: str = "") -> tuple[str, str]:
    """Two values with digits enough that different values never read the same."""
    texts = fmt_number(first), fmt_number(second)
    digits = 3
    while texts[0] == texts[1] and first != second and digits < 12 and math.isfinite(first):
        digits += 1
        texts = f"{first:.{digits}g}", f"{second:.{digits}g}"
    return (f"{texts[0]} {unit}", f"{texts[1]} {unit}") if unit else texts


def fmt_evidence(log_value: float, bar: float) -> str:
    """Evidence as a multiple: '3.2×', '140×', '12,345×'; short of the bar, it never reads as it."""
    value = math.exp(min(log_value, 700.0))
    if value >= MILLION:
        return "over 1,000,000×"
    if value < TINY:
        return "under 0.01×"
    text = f"{value:.2g}" if value < 10 else f"{value:,.0f}"
    digits = 2
    while value < bar and text == f"{bar:,.0f}" and digits < 9:
        digits += 1
        text = f"{value:.{digits}g}"
    return f"{text}×"


def estimate_text(estimate: Estimate) -> str:
    """A gate's estimate in at most 15 cells, for the label beside its graph: 'ratio 1.08×' for
    rates, '+3% vs stable' for values ('12.3× stable' from +1000 % up).

    The percent sign is attached, as `format.value` attaches it in a narrow column, and changes
    under 10 % keep one decimal ('+0.6%' where the gate's line says '+0.58 %'): the label is
    read at a glance, the line beside the verdict has the digits.
    """
    ratio = estimate.ratio
    if estimate.of == "rates":
        return "ratio ∞" if math.isinf(ratio) else f"ratio {fmt_number(ratio)}×"
    pct = (ratio - 1.0) * 100.0
    if pct >= 999.5:
        return f"{fmt_number(ratio)}× stable"
    digits = f"{pct:+.0f}" if abs(pct) >= 9.95 else f"{pct:+.1f}".removesuffix(".0")
    return f"{'±0' if digits in ('+0', '-0') else digits}% vs stable"


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
    bound = 1.0 + gate.tolerance if lower_better else 1.0 - gate.tolerance
    change = fmt_change_against(ratio, bound)
    return (
        f"{gate.name}: canary {gate.aggregate} {fmt_value(values[0], unit)}"
        f" vs stable {fmt_value(values[1], unit)} ({change}, {allowed})"
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
    effect = fmt_change_against(cmp.effect, allowed)
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


def null_text(direction: Direction, allowed_increase: float, allowed_decrease: float) -> str:
    """What the evidence is against, in words: 'no increase', 'at most +2 %'."""
    up = "no increase" if allowed_increase == 1.0 else f"at most {fmt_change(allowed_increase)}"
    down = "no decrease" if allowed_decrease == 1.0 else f"at least {fmt_change(allowed_decrease)}"
    if direction == "increase":
        return up
    if direction == "decrease":
        return down
    both = allowed_increase == 1.0 and allowed_decrease == 1.0
    return "no change" if both else f"{up} and {down}"


def evidence_text(label: str, log_value: float, bar: float, against: str) -> str:
    """'High: evidence 140× against no increase; fails at 100×'."""
    return (
        f"{label}: evidence {fmt_evidence(log_value, bar)} against {against}; fails at {bar:,.0f}×"
    )


def count_line(
    gate: CountGate, evidence: CountEvidence, nouns: tuple[str, str], verdict: str
) -> str:
    """'errors: canary 1 % vs stable 0.231 % (+334 %) — High: evidence 129× against no
    increase; fails at 100× (9 errors in 900 requests vs 83 in 36,000; 18 intervals)'.

    The rates and the verdict come first, for a narrow screen; the counts they come from last.
    """
    e = evidence
    rates = fmt_apart(
        e.canary_events / e.canary_exposure * 100, e.stable_events / e.stable_exposure * 100
    )
    allowed = gate.allowed_increase if e.ratio >= 1 else gate.allowed_decrease
    return (
        f"{gate.name}: canary {rates[0]} % vs stable {rates[1]} %"
        f" ({fmt_change_against(e.ratio, allowed)}) — {verdict}"
        f" ({round(e.canary_events):,} {nouns[0]} in {round(e.canary_exposure):,} {nouns[1]}"
        f" vs {round(e.stable_events):,} in {round(e.stable_exposure):,}; {e.intervals} intervals)"
    )


def continuous_line(gate: ContinuousGate, evidence: PairEvidence, unit: str, verdict: str) -> str:
    """'p99: canary 244 ms vs stable 178 ms (+37 %) — High: evidence 189× against at most +2 %;
    fails at 100× (8 pairs)'.

    The values are geometric means over every pair judged: the typical value, which a spike
    moves little.
    """
    canary, stable = evidence.means
    shown = fmt_apart(canary, stable, unit)
    ratio = canary / stable
    allowed = gate.allowed_increase if ratio >= 1 else gate.allowed_decrease
    return (
        f"{gate.name}: canary {shown[0]} vs stable {shown[1]}"
        f" ({fmt_change_against(ratio, allowed)}) — {verdict} ({evidence.pairs} pairs)"
    )
