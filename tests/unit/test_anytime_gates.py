"""The anytime-valid gates: what they decide, say and keep from one look to the next."""

from __future__ import annotations

import math
import random
from datetime import timedelta
from typing import get_args

import pytest

from backends.model import GateStatus
from tui.judge.data import Memory, MetricData
from tui.judge.kinds import KINDS
from tui.judge.specs import ContinuousGate, CountGate, GateSpec, JudgeSpec, MetricSpec
from tui.judge.text import fmt_change_against, fmt_evidence
from tui.judge.verdict import evaluate_gate, judge

NOW = 1_800_000_000.0
LATENCY = MetricSpec(name="p99 latency", query="q", unit="ms")
THROUGHPUT = MetricSpec(name="throughput", query="q", unit="req/s", better="higher")
ERRORS = MetricSpec(name="errors", query="q", unit="errors/s")
REQUESTS = MetricSpec(name="requests", query="q", unit="requests/s", better="higher")
P99 = ContinuousGate(name="p99", metric="p99 latency")
ERROR_COUNT = CountGate(name="errors", numerator="errors", denominator="requests")


def series(values: list[float], end: float = NOW) -> list[tuple[float, float]]:
    return [(end - 10.0 * (len(values) - 1 - i), v) for i, v in enumerate(values)]


def lognormal(seed: int, n: int, factor: float = 1.0, sigma: float = 0.12) -> list[float]:
    rng = random.Random(seed)
    return [180.0 * factor * math.exp(rng.gauss(0, sigma)) for _ in range(n)]


def latency(canary: list[float], stable: list[float], end: float = NOW) -> dict[str, MetricData]:
    return {"p99 latency": MetricData(LATENCY, series(stable, end), series(canary, end))}


def counts(
    canary_errors: list[float],
    stable_errors: list[float],
    canary_requests: float = 5.0,
    stable_requests: float = 200.0,
    end: float = NOW,
) -> dict[str, MetricData]:
    """Per-second rates: errors as given, requests flat (50 and 2,000 per 10 s by default)."""
    n = len(canary_errors)
    return {
        "errors": MetricData(ERRORS, series(stable_errors, end), series(canary_errors, end)),
        "requests": MetricData(
            REQUESTS, series([stable_requests] * n, end), series([canary_requests] * n, end)
        ),
    }


def test_every_configurable_kind_has_its_evaluator_in_the_one_table() -> None:
    specs = get_args(get_args(GateSpec)[0])
    assert {spec.model_fields["kind"].default: spec for spec in specs} == {
        name: kind.spec for name, kind in KINDS.items()
    }


# continuous -------------------------------------------------------------------------------


def test_continuous_fails_a_quarter_more_latency_with_the_evidence_in_words() -> None:
    result = evaluate_gate(P99, latency(lognormal(1, 60, 1.25), lognormal(2, 60)), NOW)
    assert (result.status, result.classification, result.metric) == (
        GateStatus.FAIL,
        "High",
        "p99 latency",
    )
    assert result.explanation == (
        "p99: canary 222 ms vs stable 177 ms (+25 %)"
        " — High: evidence 196× against no increase; fails at 100× (10 pairs)"
    )


def test_continuous_passes_noise_and_says_how_far_from_failing() -> None:
    result = evaluate_gate(P99, latency(lognormal(3, 60), lognormal(4, 60)), NOW)
    assert (result.status, result.samples) == (GateStatus.PASS, 60)
    assert result.explanation.startswith("p99: canary ")
    assert "— Pass: evidence " in result.explanation
    assert result.explanation.endswith(" against no increase; fails at 100× (60 pairs)")


def test_continuous_is_pending_until_min_samples_with_how_many_more() -> None:
    result = evaluate_gate(P99, latency(lognormal(5, 4), lognormal(6, 4)), NOW)
    assert (result.status, result.samples, result.samples_needed) == (GateStatus.PENDING, 4, 6)
    assert result.explanation == "p99: 4 of 6 pairs so far — pending"


def test_continuous_direction_follows_the_metric() -> None:
    gate = ContinuousGate(name="throughput", metric="throughput")
    slower = {
        "throughput": MetricData(
            THROUGHPUT, series(lognormal(7, 60, 100)), series(lognormal(8, 60, 70))
        )
    }
    result = evaluate_gate(gate, slower, NOW)
    assert (result.status, result.classification) == (GateStatus.FAIL, "Low")
    assert result.explanation.endswith("against no decrease; fails at 100× (8 pairs)")
    either = ContinuousGate(name="p99", metric="p99 latency", direction="either")
    faster = evaluate_gate(either, latency(lognormal(9, 60, 0.7), lognormal(10, 60)), NOW)
    assert faster.classification == "Low"
    assert faster.explanation.endswith("against no change; fails at 200× (9 pairs)")


def test_continuous_allowed_increase_is_the_null_it_tests() -> None:
    gate = P99.model_copy(update={"allowed_increase": 1.3})
    result = evaluate_gate(gate, latency(lognormal(1, 60, 1.25), lognormal(2, 60)), NOW)
    assert result.status is GateStatus.PASS
    assert "against at most +30 %; fails at 100×" in result.explanation


def test_a_failure_stays_for_the_revision_whatever_comes_after() -> None:
    memory = Memory()
    bad = latency(lognormal(1, 60, 1.25), lognormal(2, 60))
    failed = evaluate_gate(P99, bad, NOW, memory)
    assert failed.status is GateStatus.FAIL
    later = NOW + 3600
    healthy = latency(lognormal(11, 90), lognormal(12, 90), end=later)
    assert evaluate_gate(P99, healthy, later, memory) == failed
    assert evaluate_gate(P99, healthy, later, Memory()).status is GateStatus.PASS


def test_looking_again_at_the_same_data_adds_nothing() -> None:
    memory, data = Memory(), latency(lognormal(13, 30), lognormal(14, 30))
    first = evaluate_gate(P99, data, NOW, memory)
    again = evaluate_gate(P99, data, NOW + 5, memory)
    assert (again.samples, again.explanation) == (first.samples, first.explanation)


def test_evidence_accumulates_beyond_the_window_the_session_holds() -> None:
    """Each look sees only the last few samples; the memory has every one since the start."""
    memory, canary, stable = Memory(), lognormal(15, 120), lognormal(16, 120)
    for end in range(10, 121, 10):
        t = NOW + 10.0 * end
        result = evaluate_gate(
            P99, latency(canary[end - 10 : end], stable[end - 10 : end], end=t), t, memory
        )
    assert result.samples == 120


def test_a_lagging_side_is_not_skipped() -> None:
    memory, canary, stable = Memory(), lognormal(17, 20), lognormal(18, 20)
    partial = {"p99 latency": MetricData(LATENCY, series(stable[:-3], NOW - 30), series(canary))}
    assert evaluate_gate(P99, partial, NOW, Memory()).samples == 17
    evaluate_gate(P99, partial, NOW, memory)
    assert evaluate_gate(P99, latency(canary, stable), NOW + 10, memory).samples == 20


def test_one_pair_per_sample_span() -> None:
    spanned = LATENCY.model_copy(update={"sample_span": timedelta(minutes=1)})
    data = {
        "p99 latency": MetricData(spanned, series(lognormal(19, 60)), series(lognormal(20, 60)))
    }
    assert evaluate_gate(P99, data, NOW).samples == 10


def test_stale_or_missing_data_never_passes_but_a_failure_stands() -> None:
    data = latency(lognormal(21, 30), lognormal(22, 30))
    stale = evaluate_gate(P99, data, NOW + 300)
    assert (stale.status, stale.explanation) == (
        GateStatus.PENDING,
        "p99: stale: no canary data for 5m00s — pending",
    )
    assert evaluate_gate(P99, {}, NOW).status is GateStatus.PENDING
    memory = Memory()
    evaluate_gate(P99, latency(lognormal(1, 60, 1.25), lognormal(2, 60)), NOW, memory)
    assert evaluate_gate(P99, {}, NOW + 600, memory).status is GateStatus.FAIL


def test_values_that_cannot_form_a_ratio_are_skipped() -> None:
    canary = [*lognormal(23, 20), 0.0, math.nan, math.inf, -1.0]
    stable = lognormal(24, 24)
    assert evaluate_gate(P99, latency(canary, stable), NOW).samples == 20


def test_a_changed_gate_starts_its_evidence_again() -> None:
    memory, data = Memory(), latency(lognormal(1, 60, 1.25), lognormal(2, 60))
    assert evaluate_gate(P99, data, NOW, memory).status is GateStatus.FAIL
    lenient = P99.model_copy(update={"allowed_increase": 1.5})
    assert evaluate_gate(lenient, data, NOW, memory).status is GateStatus.PASS


# count ------------------------------------------------------------------------------------


def poisson_rates(seed: int, n: int, per_interval: float) -> list[float]:
    """Per-second rates of Poisson counts per 10 s interval."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        k, p, u = 0, math.exp(-per_interval), rng.random()
        cdf = p
        while u > cdf:
            k += 1
            p *= per_interval / k
            cdf += p
        out.append(k / 10.0)
    return out


def test_count_fails_six_times_the_errors_in_counts_a_person_can_check() -> None:
    data = counts(poisson_rates(1, 40, 0.6), poisson_rates(2, 40, 4.0))
    result = evaluate_gate(ERROR_COUNT, data, NOW)
    assert (result.status, result.classification, result.metric) == (
        GateStatus.FAIL,
        "High",
        "errors",
    )
    assert result.explanation == (
        "errors: canary 1 % vs stable 0.231 % (+334 %) — High: evidence 116× against no"
        " increase; fails at 100× (9 errors in 900 requests vs 83 in 36,000; 18 intervals)"
    )


def test_count_passes_the_same_error_rate() -> None:
    data = counts(poisson_rates(3, 120, 0.1), poisson_rates(4, 120, 4.0))
    result = evaluate_gate(ERROR_COUNT, data, NOW)
    assert (result.status, result.samples) == (GateStatus.PASS, 120)
    assert "— Pass: evidence " in result.explanation and "; 120 intervals)" in result.explanation


def test_count_holds_without_traffic_and_waits_for_min_samples() -> None:
    few = counts([0.0] * 3, [0.4] * 3)
    assert evaluate_gate(ERROR_COUNT, few, NOW).explanation == (
        "errors: 3 of 6 intervals so far — pending"
    )
    stale = evaluate_gate(ERROR_COUNT, counts([0.0] * 30, [0.4] * 30), NOW + 120)
    assert stale.explanation == "errors: stale: no canary errors data for 2m00s — pending"


def test_count_judges_each_interval_at_its_own_traffic_share() -> None:
    """The canary's share of traffic moves 2.4 % -> 33 %: a same-rate canary still passes,
    though pooled counts at a mean share would be far off."""
    memory = Memory()
    early = counts(poisson_rates(5, 60, 0.1), poisson_rates(6, 60, 4.0))
    assert evaluate_gate(ERROR_COUNT, early, NOW, memory).status is GateStatus.PASS
    later = NOW + 600
    late = counts(
        poisson_rates(7, 60, 2.0),
        poisson_rates(8, 60, 4.0),
        canary_requests=100.0,
        stable_requests=200.0,
        end=later,
    )
    result = evaluate_gate(ERROR_COUNT, late, later, memory)
    assert (result.status, result.samples) == (GateStatus.PASS, 120)


def test_count_decrease_fails_low() -> None:
    gate = ERROR_COUNT.model_copy(update={"direction": "decrease"})
    data = counts(poisson_rates(9, 60, 0.01), poisson_rates(10, 60, 40.0))
    result = evaluate_gate(gate, data, NOW)
    assert result.classification == "Low"
    assert "against no decrease; fails at 100×" in result.explanation


def test_a_critical_count_failure_fails_the_verdict() -> None:
    data = counts(poisson_rates(1, 40, 0.6), poisson_rates(2, 40, 4.0))
    gate = ERROR_COUNT.model_copy(update={"critical": True})
    result = judge([gate], data, NOW, JudgeSpec())
    assert (result.status, result.score) == (GateStatus.FAIL, 0.0)


# reading the numbers ----------------------------------------------------------------------


def test_a_change_beside_its_allowance_shows_the_digits_that_decide() -> None:
    assert fmt_change_against(1.1004, 1.1) == "+10.04 %"
    assert fmt_change_against(1.0996, 1.1) == "+9.96 %"
    assert fmt_change_against(1.35, 1.1) == "+35 %"
    assert fmt_change_against(1.1, 1.1) == "+10 %"


@pytest.mark.parametrize(
    ("value", "text"),
    [(140.0, "140×"), (3.21, "3.2×"), (0.31, "0.31×"), (99.6, "99.6×"), (99.96, "99.96×")],
)
def test_evidence_short_of_the_bar_never_reads_as_it(value: float, text: str) -> None:
    assert fmt_evidence(math.log(value), 100.0) == text


def test_evidence_far_off_either_way_reads_as_a_bound() -> None:
    assert fmt_evidence(math.log(1e-9), 100.0) == "under 0.01×"
    assert fmt_evidence(math.log(3e7), 100.0) == "over 1,000,000×"
