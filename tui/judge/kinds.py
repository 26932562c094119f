"""The four kinds of health gate, each judging its window and explaining the result in one line.

Threshold and relative gates hold an aggregate against a bound; compare and rate gates test for
a significant change of canary against stable. Each raises `Held` when its data cannot be judged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from backends.model import GateResult, Role
from tui.format import duration
from tui.judge.data import MetricData, fetch, fetch_both, gate_result, no_data, pending, require
from tui.judge.specs import CompareGate, MetricSpec, RateGate, RelativeGate, ThresholdGate
from tui.judge.stats import classification, rate_test
from tui.judge.stats import rank as stats
from tui.judge.stats import sample as sample_stats
from tui.judge.text import fmt_change, fmt_confidence, fmt_number, fmt_value, verdict_text

RULE = {"confidence", "direction", "allowed_increase", "allowed_decrease"}
"""The gate fields that say what counts as a failing change, for compare and rate gates."""


def _aggregate(values: Sequence[float], how: str) -> float:
    if how == "mean":
        return sample_stats.mean(values)
    if how == "max":
        return max(values)
    if how == "min":
        return min(values)
    if how == "last":
        return values[-1]
    return sample_stats.percentile(values, float(how[1:]))


def _not_nan(values: Sequence[float]) -> list[float]:
    """Drop NaN but keep infinities: +Inf from histogram_quantile means beyond the top bucket."""
    return [v for v in values if not math.isnan(v)]


def threshold_gate(
    gate: ThresholdGate, metrics: Mapping[str, MetricData], now: float
) -> GateResult:
    known = metrics.get(gate.metric)
    role = Role.ALL if known is not None and not known.spec.split else Role.CANARY
    data, raw = fetch(gate, metrics, gate.metric, role, now)
    values = _not_nan(raw)
    n = require(gate, len(values))
    value, unit = _aggregate(values, gate.aggregate), data.spec.unit
    label = "Pass"
    if gate.max is not None and not value <= gate.max:
        label = "High"
    elif gate.min is not None and not value >= gate.min:
        label = "Low"
    prefer_max = gate.max is not None and (gate.min is None or data.spec.better == "lower")
    bound = {"High": gate.max, "Low": gate.min}.get(label, gate.max if prefer_max else gate.min)
    limits = ", ".join(
        f"{word} {fmt_value(limit, unit)}"
        for word, limit in (("min", gate.min), ("max", gate.max))
        if limit is not None
    )
    who = "canary " if role is Role.CANARY else ""
    text = (
        f"{gate.name}: {who}{gate.aggregate} {fmt_value(value, unit)} ({limits}) — {label}, n={n}"
    )
    return gate_result(gate, label, text, samples=n, threshold=bound)


def relative_gate(gate: RelativeGate, metrics: Mapping[str, MetricData], now: float) -> GateResult:
    data, raw_canary, raw_stable = fetch_both(gate, metrics, now)
    canary, stable = _not_nan(raw_canary), _not_nan(raw_stable)
    n = require(gate, len(canary), len(stable))
    c, s = _aggregate(canary, gate.aggregate), _aggregate(stable, gate.aggregate)
    lower_better = data.spec.better == "lower"
    bound = s + gate.tolerance * abs(s) if lower_better else s - gate.tolerance * abs(s)
    if math.isnan(bound) or math.isnan(c):
        raise pending(gate, f"{gate.aggregate} is undefined (+Inf and -Inf in the window)", n)
    label = "Pass"
    if lower_better and c > bound:
        label = "High"
    elif not lower_better and c < bound:
        label = "Low"
    unit = data.spec.unit
    allowed = f"allowed {'+' if lower_better else '-'}{fmt_number(gate.tolerance * 100)} %"
    text = (
        f"{gate.name}: canary {gate.aggregate} {fmt_value(c, unit)}"
        f" vs stable {fmt_value(s, unit)} ({fmt_change(sample_stats.ratio(c, s))}, {allowed})"
        f" — {label}, n={len(canary)}/{len(stable)}"
    )
    return gate_result(gate, label, text, samples=n, threshold=bound)


def _compare_text(
    cmp: stats.Comparison, gate: CompareGate, direction: classification.Direction
) -> str:
    """The effect, the verdict and, for tied samples, why the rank test decided."""
    allowed = {"High": gate.allowed_increase, "Low": gate.allowed_decrease}.get(cmp.label, 1.0)
    effect = fmt_change(cmp.effect)
    if allowed != 1.0:
        effect += f", allowed {fmt_change(allowed)}"
    text = f"({effect}) — {verdict_text(cmp.label, cmp.change, direction, cmp.effect, gate)}"
    if cmp.basis != "tied" or cmp.test is None:
        return text
    share = f"{cmp.tied_share * 100:.0f} %"
    if cmp.tied_value == 0:
        what = f"zero-inflated, {share} zeros"
    else:
        what = f"{share} of samples are {fmt_number(cmp.tied_value)}"
    return f"{text} ({what}: no shift to estimate, rank test p={cmp.test.p_value:.2g})"


def compare_gate(gate: CompareGate, metrics: Mapping[str, MetricData], now: float) -> GateResult:
    factor = gate.outlier_factor if gate.remove_outliers else None
    data, raw_canary, raw_stable = fetch_both(gate, metrics, now)
    canary = sample_stats.prepare(raw_canary, gate.nan_strategy, factor)
    stable = sample_stats.prepare(raw_stable, gate.nan_strategy, factor)
    n = require(gate, len(canary), len(stable))
    direction = gate.direction or ("increase" if data.spec.better == "lower" else "decrease")
    rule = gate.model_dump(include=RULE) | {"direction": direction}
    cmp = stats.compare_samples(canary, stable, **rule)
    sizes = f"n={len(canary)}/{len(stable)}"
    if cmp.basis == "too small":
        raise pending(gate, f"{sizes} is too few to judge at {fmt_confidence(gate.confidence)}", n)
    unit = data.spec.unit
    head = (
        f"{gate.name}: canary {fmt_value(sample_stats.mean(canary), unit)}"
        f" vs stable {fmt_value(sample_stats.mean(stable), unit)}"
    )
    if cmp.basis == "identical":
        return gate_result(gate, "Pass", f"{head} — Pass: identical samples, {sizes}", samples=n)
    return gate_result(
        gate, cmp.label, f"{head} {_compare_text(cmp, gate, direction)}, {sizes}", samples=n
    )


def _count_noun(spec: MetricSpec) -> str:
    """What a count is of: 'errors/s' -> 'errors', else the metric's name."""
    noun = spec.unit.strip().removesuffix("/s").strip()
    return noun if noun.isalpha() and noun != spec.unit.strip() else spec.name


def _counted(
    gate: RateGate, metrics: Mapping[str, MetricData], name: str, role: Role, now: float
) -> tuple[float, int]:
    """Events in the window from a per-second rate (rate times the step, summed), and samples."""
    data, raw = fetch(gate, metrics, name, role, now)
    values = [v for v in raw if math.isfinite(v)]
    return math.fsum(values) * data.spec.resolution.total_seconds(), len(values)


def rate_gate(gate: RateGate, metrics: Mapping[str, MetricData], now: float) -> GateResult:
    (ce, nce), (se, nse), (cx, ncx), (sx, nsx) = (
        _counted(gate, metrics, name, role, now)
        for name in (gate.numerator, gate.denominator)
        for role in (Role.CANARY, Role.STABLE)
    )
    n = require(gate, nce, nse, ncx, nsx)
    events, exposure = (
        _count_noun(metrics[gate.numerator].spec),
        _count_noun(metrics[gate.denominator].spec),
    )
    for role, total in ((Role.CANARY, cx), (Role.STABLE, sx)):
        if total <= 0:
            span = duration(gate.window.total_seconds())
            raise no_data(gate, f"no {role.value} {exposure} in the last {span}")
    cmp = rate_test.compare_rates(ce, cx, se, sx, **gate.model_dump(include=RULE))
    text = (
        f"{gate.name}: canary {round(ce):,} {events} in {round(cx):,} {exposure}"
        f" ({fmt_number(ce / cx * 100)} %) vs stable {round(se):,} in {round(sx):,}"
        f" ({fmt_number(se / sx * 100)} %)"
        f" — {verdict_text(cmp.label, cmp.change, gate.direction, cmp.effect, gate)}"
    )
    return gate_result(gate, cmp.label, text, samples=n)
