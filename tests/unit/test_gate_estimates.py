"""Each gate's estimate of canary against stable: the number its own statistic made, the one
its line states, and the few words the label beside its graph writes it in."""

from __future__ import annotations

import math

import pytest

from backends.model import GateStatus
from tests.helpers.gate_data import NOW, errors, latency, noisy
from tui.judge.data import Memory, MetricData
from tui.judge.result import Estimate, JudgedGate
from tui.judge.specs import (
    CompareGate,
    ContinuousGate,
    CountGate,
    RateGate,
    RelativeGate,
    ThresholdGate,
)
from tui.judge.text import estimate_text
from tui.judge.verdict import evaluate_gate

LABEL_CELLS = 15
"""The label's 17 cells (20, less its padding and rule) less the badge's mark and a space."""


def counts(canary_errors: float, stable_errors: float, n: int = 30) -> dict[str, MetricData]:
    """Errors per second as given on each side, steady for `n` samples."""
    return errors([canary_errors] * n, [stable_errors] * n)


def geometric_mean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def judged(result: object) -> Estimate:
    assert isinstance(result, JudgedGate) and result.estimate is not None
    return result.estimate


def test_count_estimates_the_ratio_of_rates_its_line_states() -> None:
    gate = CountGate(name="errors", numerator="errors", denominator="requests")
    result = evaluate_gate(gate, counts(0.054, 2.0), NOW)
    estimate = judged(result)
    assert result.status is GateStatus.PASS
    assert estimate.of == "rates"
    assert math.isclose(estimate.ratio, (0.054 / 5.0) / (2.0 / 200.0))
    assert "(+8 %)" in result.explanation, "the line states the same ratio as a change"
    assert estimate_text(estimate) == "ratio 1.08×"


def test_a_failed_count_keeps_the_estimate_it_failed_on() -> None:
    gate = CountGate(name="errors", numerator="errors", denominator="requests")
    memory = Memory()
    failed = evaluate_gate(gate, counts(0.06, 0.4), NOW, memory)
    assert failed.status is GateStatus.FAIL
    assert math.isclose(judged(failed).ratio, 6.0)
    later = evaluate_gate(gate, counts(0.06, 0.4, n=60), NOW + 300, memory)
    assert later == failed, "the failure, and its estimate, stand for the revision"


def test_continuous_estimates_the_ratio_of_geometric_means_its_line_states() -> None:
    canary, stable = noisy(1, 60, 180 * 1.03), noisy(2, 60, 180)
    gate = ContinuousGate(name="p99", metric="p99 latency", allowed_increase=1.2)
    result = evaluate_gate(gate, latency(canary, stable), NOW)
    estimate = judged(result)
    assert result.status is GateStatus.PASS
    assert estimate.of == "values"
    ratio = geometric_mean(canary) / geometric_mean(stable)
    assert math.isclose(estimate.ratio, ratio)
    change = (ratio - 1) * 100
    assert f"({change:+.1f} %)" in result.explanation, "the line states the same change"
    assert f"{change:+.1f}% vs stable" == estimate_text(estimate)


def test_compare_estimates_the_ratio_of_the_means_it_ranked() -> None:
    canary, stable = noisy(3, 30, 180 * 1.4), noisy(4, 30, 180)
    result = evaluate_gate(
        CompareGate(name="p99", metric="p99 latency"), latency(canary, stable), NOW
    )
    estimate = judged(result)
    assert result.status is GateStatus.FAIL
    ratio = (sum(canary) / len(canary)) / (sum(stable) / len(stable))
    assert math.isclose(estimate.ratio, ratio)
    assert f"({(ratio - 1) * 100:+.0f} %)" in result.explanation
    assert estimate_text(estimate) == f"{(ratio - 1) * 100:+.0f}% vs stable"


def test_rate_estimates_the_ratio_of_rates_over_its_window() -> None:
    gate = RateGate(name="errors", numerator="errors", denominator="requests")
    result = evaluate_gate(gate, counts(0.06, 0.4), NOW)
    estimate = judged(result)
    assert result.status is GateStatus.FAIL
    assert (estimate.of, estimate_text(estimate)) == ("rates", "ratio 6×")
    assert math.isclose(estimate.ratio, 6.0)


def test_rate_with_no_stable_events_estimates_an_unbounded_ratio() -> None:
    gate = RateGate(name="errors", numerator="errors", denominator="requests")
    estimate = judged(evaluate_gate(gate, counts(0.06, 0.0), NOW))
    assert estimate.ratio == math.inf and estimate_text(estimate) == "ratio ∞"


@pytest.mark.parametrize(
    "gate",
    [
        ThresholdGate(name="p99", metric="p99 latency", max=400),
        RelativeGate(name="p99", metric="p99 latency"),
    ],
    ids=["threshold", "relative"],
)
def test_a_gate_on_an_aggregate_leaves_its_number_to_the_graph(gate: object) -> None:
    result = evaluate_gate(gate, latency(noisy(5, 30, 180), noisy(6, 30, 180)), NOW)  # type: ignore[arg-type]
    assert isinstance(result, JudgedGate) and result.estimate is None


def test_no_estimate_without_a_judgement_or_without_events() -> None:
    gate = CountGate(name="errors", numerator="errors", denominator="requests")
    pending = evaluate_gate(gate, counts(0.06, 0.4, n=3), NOW)
    assert pending.status is GateStatus.PENDING and pending.estimate is None
    quiet = evaluate_gate(gate, counts(0.0, 0.0), NOW)
    assert quiet.status is GateStatus.PASS and quiet.estimate is None, "0 against 0 is no ratio"


@pytest.mark.parametrize(
    ("ratio", "words"),
    [
        (1.03, "+3% vs stable"),
        (1.0058, "+0.6% vs stable"),
        (0.97, "-3% vs stable"),
        (0.9999, "±0% vs stable"),
        (1.35, "+35% vs stable"),
        (1.0996, "+10% vs stable"),
        (0.001, "-100% vs stable"),
        (10.99, "+999% vs stable"),
        (11.5, "11.5× stable"),
    ],
)
def test_a_change_in_values_reads_in_a_few_words(ratio: float, words: str) -> None:
    assert estimate_text(Estimate(ratio=ratio, of="values")) == words


@pytest.mark.parametrize("of", ["rates", "values"])
def test_every_estimate_fits_beside_the_badge(of: str) -> None:
    ratios = [10 ** (e / 20) for e in range(-80, 101)] + [1 + d / 10_000 for d in range(-200, 200)]
    longest = max(
        (estimate_text(Estimate(ratio=r, of=of)) for r in ratios),  # type: ignore[arg-type]
        key=len,
    )
    assert len(longest) <= LABEL_CELLS, longest
