"""The compare gate: Kayenta's Mann-Whitney classifier over the canary's and stable's windows."""

from __future__ import annotations

from tui.judge.data import Look, fetch_both, gate_result, pending, require
from tui.judge.result import JudgedGate, estimate
from tui.judge.specs import CompareGate
from tui.judge.stats import rank, sample
from tui.judge.text import compare_line, fmt_confidence

RULE = {"confidence", "allowed_increase", "allowed_decrease"}
"""The gate fields, besides the direction, that say what counts as a failing change."""


def evaluate(gate: CompareGate, look: Look) -> JudgedGate:
    """Prepare both windows as Kayenta does (NaN, outliers), then classify the shift."""
    factor = gate.outlier_factor if gate.remove_outliers else None
    data, raw_canary, raw_stable = fetch_both(gate, look, gate.metric)
    canary = sample.prepare(raw_canary, gate.nan_strategy, factor)
    stable = sample.prepare(raw_stable, gate.nan_strategy, factor)
    n = require(gate, len(canary), len(stable))
    direction = gate.direction or ("increase" if data.spec.better == "lower" else "decrease")
    cmp = rank.compare_samples(canary, stable, direction=direction, **gate.model_dump(include=RULE))
    sizes = (len(canary), len(stable))
    if cmp.basis == "too small":
        at = fmt_confidence(gate.confidence)
        raise pending(gate, f"n={sizes[0]}/{sizes[1]} is too few to judge at {at}", n)
    means = (sample.mean(canary), sample.mean(stable))
    text = compare_line(gate, means, data.spec.unit, cmp, direction, sizes)
    shift = estimate(cmp.effect, "values")
    return gate_result(gate, cmp.label, text, samples=n, estimate=shift)
