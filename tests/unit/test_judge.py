"""Gates and verdicts: what each gate kind decides, says, and refuses to decide."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import timedelta

import pytest

from backends.model import GateStatus
from tui.judge.data import MetricData
from tui.judge.specs import (
    CompareGate,
    GateSpec,
    JudgeSpec,
    MetricSpec,
    RateGate,
    RelativeGate,
    ThresholdGate,
)
from tui.judge.verdict import Judgement, evaluate_gate, judge

NOW = 1_800_000_000.0
WIDE = timedelta(minutes=30)
LATENCY = MetricSpec(name="p99 latency", query="q", unit="ms")
THROUGHPUT = MetricSpec(name="throughput", query="q", unit="req/s", better="higher")
DB = MetricSpec(name="db latency", query="q", unit="ms", split=False)
ERRORS = MetricSpec(name="errors", query="q", unit="errors/s")
REQUESTS = MetricSpec(name="requests", query="q", unit="requests/s", better="higher")


def series(
    values: Sequence[float], end: float = NOW, step: float = 10.0
) -> list[tuple[float, float]]:
    """Samples every `step` seconds, the newest at `end`."""
    return [(end - step * (len(values) - 1 - i), v) for i, v in enumerate(values)]


def around(centre: float, n: int, spread: float = 10.0) -> list[float]:
    """n values evenly spread around `centre`, with exactly that mean."""
    return [centre + spread * (2 * i / (n - 1) - 1) for i in range(n)]


def latency(
    canary: Sequence[float], stable: Sequence[float], **kwargs: float
) -> dict[str, MetricData]:
    return {
        "p99 latency": MetricData(LATENCY, stable=series(stable), canary=series(canary), **kwargs)
    }


# threshold --------------------------------------------------------------------------------


def test_threshold_pass_sets_the_bound_to_draw() -> None:
    gate = ThresholdGate(name="p99 latency", metric="p99 latency", max=400)
    result = evaluate_gate(gate, latency(around(300, 30), []), NOW)
    assert result.status is GateStatus.PASS
    assert (result.classification, result.threshold) == ("Pass", 400)
    assert (result.samples, result.samples_needed) == (30, 20)
    assert result.explanation == "p99 latency: canary mean 300 ms (max 400 ms) — Pass, n=30"


def test_threshold_high_on_the_percentile() -> None:
    gate = ThresholdGate(name="p99 latency", metric="p99 latency", aggregate="p99", max=400)
    values = [300.0] * 29 + [900.0]
    result = evaluate_gate(gate, latency(values, []), NOW)
    assert (result.status, result.classification) == (GateStatus.FAIL, "High")
    assert result.explanation == "p99 latency: canary p99 726 ms (max 400 ms) — High, n=30"


def test_threshold_low_reports_the_violated_bound() -> None:
    gate = ThresholdGate(name="throughput", metric="throughput", min=50, max=500)
    data = {"throughput": MetricData(THROUGHPUT, stable=[], canary=series([20.0] * 30))}
    result = evaluate_gate(gate, data, NOW)
    assert (result.status, result.classification, result.threshold) == (GateStatus.FAIL, "Low", 50)
    assert "(min 50 req/s, max 500 req/s) — Low" in result.explanation


def test_threshold_ignores_samples_outside_the_window() -> None:
    gate = ThresholdGate(name="p99", metric="p99 latency", max=400, window=timedelta(minutes=5))
    values = [5000.0] * 30 + [300.0] * 30
    result = evaluate_gate(gate, latency(values, []), NOW)
    assert (result.status, result.samples) == (GateStatus.PASS, 30)


def test_threshold_drops_nan_but_counts_infinity() -> None:
    gate = ThresholdGate(name="p99", metric="p99 latency", aggregate="max", max=400, min_samples=5)
    values = [300.0] * 10 + [math.nan] * 5
    assert evaluate_gate(gate, latency(values, []), NOW).samples == 10
    result = evaluate_gate(gate, latency([*values, math.inf], []), NOW)
    assert (result.classification, result.explanation) == (
        "High",
        "p99: canary max +Inf ms (max 400 ms) — High, n=11",
    )


def test_threshold_on_an_unsplit_metric_reads_all() -> None:
    gate = ThresholdGate(name="db", metric="db latency", max=20)
    data = {"db latency": MetricData(DB, stable=[], canary=[], all=series([12.0] * 30))}
    result = evaluate_gate(gate, data, NOW)
    assert result.explanation == "db: mean 12 ms (max 20 ms) — Pass, n=30"


def test_below_min_samples_is_pending() -> None:
    gate = ThresholdGate(name="error rate", metric="p99 latency", max=1, min_samples=50)
    result = evaluate_gate(gate, latency([0.1] * 14, []), NOW)
    assert result.status is GateStatus.PENDING
    assert (result.samples, result.samples_needed, result.classification) == (14, 50, None)
    assert result.explanation == "error rate: 14 of 50 samples so far — pending"


def test_stale_canary_is_pending_with_its_age() -> None:
    gate = ThresholdGate(name="p99", metric="p99 latency", max=400)
    data = {
        "p99 latency": MetricData(LATENCY, stable=[], canary=series([300.0] * 30, end=NOW - 130))
    }
    result = evaluate_gate(gate, data, NOW)
    assert (result.status, result.classification) == (GateStatus.PENDING, "NoData")
    assert result.explanation == "p99: stale: no canary data for 2m10s — pending"


def test_staleness_allows_three_steps_of_a_coarse_resolution() -> None:
    coarse = LATENCY.model_copy(update={"resolution": timedelta(minutes=1)})
    gate = ThresholdGate(name="p99", metric="p99 latency", max=400, min_samples=5, window=WIDE)
    fresh = MetricData(coarse, stable=[], canary=series([300.0] * 10, end=NOW - 170, step=60))
    assert evaluate_gate(gate, {"p99 latency": fresh}, NOW).status is GateStatus.PASS
    stale = MetricData(coarse, stable=[], canary=series([300.0] * 10, end=NOW - 190, step=60))
    assert evaluate_gate(gate, {"p99 latency": stale}, NOW).status is GateStatus.PENDING


def test_empty_series_falls_back_to_the_sessions_last_update() -> None:
    gate = ThresholdGate(name="p99", metric="p99 latency", max=400)
    never = MetricData(LATENCY, stable=[], canary=[])
    assert evaluate_gate(gate, {"p99 latency": never}, NOW).explanation == (
        "p99: no canary data yet — pending"
    )
    quiet = MetricData(LATENCY, stable=[], canary=[], last_update=NOW - 3600)
    assert (
        "stale: no canary data for 1h00m"
        in evaluate_gate(gate, {"p99 latency": quiet}, NOW).explanation
    )
    unknown = evaluate_gate(gate, {}, NOW)
    assert unknown.explanation == "p99: no data for metric 'p99 latency' yet — pending"


# relative ---------------------------------------------------------------------------------


def test_relative_high_when_canary_exceeds_tolerance() -> None:
    gate = RelativeGate(name="p99 latency", metric="p99 latency", tolerance=0.1)
    result = evaluate_gate(gate, latency(around(412, 30), around(305, 30)), NOW)
    assert (result.status, result.classification) == (GateStatus.FAIL, "High")
    assert result.threshold == pytest.approx(335.5)
    assert result.explanation == (
        "p99 latency: canary mean 412 ms vs stable 305 ms (+35 %, allowed +10 %) — High, n=30/30"
    )


def test_relative_pass_within_tolerance() -> None:
    gate = RelativeGate(name="p99", metric="p99 latency", tolerance=0.1)
    result = evaluate_gate(gate, latency(around(330, 30), around(305, 30)), NOW)
    assert (result.status, result.classification) == (GateStatus.PASS, "Pass")


def test_relative_higher_is_better_fails_low() -> None:
    gate = RelativeGate(name="throughput", metric="throughput", tolerance=0.2)
    data = {
        "throughput": MetricData(
            THROUGHPUT, stable=series(around(100, 30)), canary=series(around(70, 30))
        )
    }
    result = evaluate_gate(gate, data, NOW)
    assert (result.classification, result.threshold) == ("Low", pytest.approx(80))
    assert "(-30 %, allowed -20 %) — Low" in result.explanation


def test_relative_waits_for_both_sides() -> None:
    gate = RelativeGate(name="p99", metric="p99 latency")
    result = evaluate_gate(gate, latency(around(300, 30), around(300, 12)), NOW)
    assert result.explanation == "p99: 12 of 20 samples so far — pending"
    stale = {
        "p99 latency": MetricData(
            LATENCY, stable=series([300.0] * 30, end=NOW - 95), canary=series([300.0] * 30)
        )
    }
    assert evaluate_gate(gate, stale, NOW).explanation == (
        "p99: stale: no stable data for 1m35s — pending"
    )


# compare ----------------------------------------------------------------------------------


def noisy(centre: float, n: int, seed: int, sd: float = 15.0) -> list[float]:
    rng = random.Random(seed)
    values = [rng.gauss(0, sd) for _ in range(n)]
    offset = sum(values) / n
    return [centre + v - offset for v in values]


def test_compare_high_explains_in_plain_numbers() -> None:
    gate = CompareGate(name="p99 latency", metric="p99 latency", allowed_increase=1.1, window=WIDE)
    result = evaluate_gate(gate, latency(noisy(412, 61, 1), noisy(305, 58, 2)), NOW - 0.0)
    assert (result.status, result.classification) == (GateStatus.FAIL, "High")
    assert (result.samples, result.samples_needed) == (58, 20)
    assert result.explanation == (
        "p99 latency: canary 412 ms vs stable 305 ms (+35 %, allowed +10 %)"
        " — High at 98 % confidence, n=61/58"
    )


def test_compare_passes_noise() -> None:
    gate = CompareGate(name="p99", metric="p99 latency", window=WIDE)
    result = evaluate_gate(gate, latency(noisy(300, 40, 3), noisy(300, 40, 4)), NOW)
    assert (result.status, result.classification) == (GateStatus.PASS, "Pass")
    assert result.explanation.endswith("— Pass: no clear change at 98 % confidence, n=40/40")


def test_compare_direction_follows_the_metric() -> None:
    faster = latency(noisy(200, 40, 5), noisy(300, 40, 6))
    result = evaluate_gate(CompareGate(name="p99", metric="p99 latency", window=WIDE), faster, NOW)
    assert result.explanation.endswith("(-33 %) — Pass: only an increase fails, n=40/40")
    either = CompareGate(name="p99", metric="p99 latency", direction="either", window=WIDE)
    assert evaluate_gate(either, faster, NOW).classification == "Low"


def test_compare_within_allowed_increase_passes() -> None:
    gate = CompareGate(name="p99", metric="p99 latency", allowed_increase=1.5, window=WIDE)
    result = evaluate_gate(gate, latency(noisy(412, 61, 1), noisy(305, 58, 2)), NOW)
    assert result.explanation.endswith("(+35 %) — Pass: within allowed +50 %, n=61/58")


def test_compare_must_have_data_fails_on_stale_or_missing_data() -> None:
    gate = CompareGate(name="p99", metric="p99 latency", must_have_data=True)
    stale = {
        "p99 latency": MetricData(
            LATENCY, stable=series([300.0] * 30), canary=series([300.0] * 30, end=NOW - 130)
        )
    }
    result = evaluate_gate(gate, stale, NOW)
    assert (result.status, result.classification) == (GateStatus.FAIL, "NoData")
    assert result.explanation == "p99: stale: no canary data for 2m10s — fail"
    empty_window = latency([], [300.0] * 30, last_update=NOW)
    result = evaluate_gate(gate, empty_window, NOW)
    assert result.explanation == "p99: no samples in the last 5m00s — fail"
    relaxed = CompareGate(name="p99", metric="p99 latency", window=WIDE)
    assert evaluate_gate(relaxed, stale, NOW).status is GateStatus.PENDING


def test_compare_nan_strategy() -> None:
    canary = [*noisy(300, 30, 7), *[math.nan] * 10]
    gate = CompareGate(name="p99", metric="p99 latency", window=WIDE)
    assert evaluate_gate(gate, latency(canary, noisy(300, 40, 8)), NOW).samples == 30
    replace = CompareGate(name="p99", metric="p99 latency", nan_strategy="replace", window=WIDE)
    result = evaluate_gate(replace, latency(canary, noisy(300, 40, 8)), NOW)
    assert "canary 225 ms" in result.explanation
    assert result.explanation.endswith("n=40/40")


def test_compare_outlier_removal_drops_spikes() -> None:
    canary = [*noisy(300, 39, 9), 6100.0]
    plain = CompareGate(name="p99", metric="p99 latency", window=WIDE)
    kept = evaluate_gate(plain, latency(canary, noisy(300, 40, 10)), NOW)
    gate = plain.model_copy(update={"remove_outliers": True})
    removed = evaluate_gate(gate, latency(canary, noisy(300, 40, 10)), NOW)
    assert "canary 445 ms" in kept.explanation
    assert "canary 300 ms" in removed.explanation
    assert removed.explanation.endswith("n=39/40")


def test_compare_below_min_samples_is_pending() -> None:
    gate = CompareGate(name="p99", metric="p99 latency")
    result = evaluate_gate(gate, latency(noisy(300, 12, 14), noisy(300, 30, 15)), NOW)
    assert (result.status, result.samples) == (GateStatus.PENDING, 12)
    assert result.explanation == "p99: 12 of 20 samples so far — pending"


def test_compare_says_when_samples_are_too_few() -> None:
    gate = CompareGate(name="p99", metric="p99 latency", min_samples=3)
    result = evaluate_gate(gate, latency([400.0, 410.0, 420.0], [300.0, 310.0, 320.0]), NOW)
    assert result.status is GateStatus.PENDING
    assert result.explanation == "p99: n=3/3 is too few to judge at 98 % — pending"


def test_compare_says_when_samples_are_zero_inflated() -> None:
    ratio = MetricSpec(name="error ratio", query="q", unit="%")
    canary = [0.0] * 45 + [1.0, 2.0, 1.5] * 5
    stable = [0.0] * 58 + [1.0, 2.0]
    data = {"error ratio": MetricData(ratio, stable=series(stable), canary=series(canary))}
    result = evaluate_gate(CompareGate(name="errors", metric="error ratio", window=WIDE), data, NOW)
    assert result.classification == "High"
    assert "(zero-inflated, 86 % zeros: no shift to estimate, rank test p=" in result.explanation
    assert result.explanation.startswith("errors: canary 0.375 % vs stable 0.05 % (+650 %)")


def test_compare_identical_samples_pass() -> None:
    values = noisy(300, 30, 11)
    result = evaluate_gate(
        CompareGate(name="p99", metric="p99 latency", window=WIDE),
        latency(values, values[::-1]),
        NOW,
    )
    assert (
        result.explanation
        == "p99: canary 300 ms vs stable 300 ms — Pass: identical samples, n=30/30"
    )


def test_compare_on_unsplit_metric_is_pending() -> None:
    data = {"db latency": MetricData(DB, stable=[], canary=[], all=series([12.0] * 30))}
    result = evaluate_gate(CompareGate(name="db", metric="db latency"), data, NOW)
    assert result.explanation == "db: db latency is not split by revision — pending"


# rate -------------------------------------------------------------------------------------


def rate_data(
    canary_errors: Sequence[float],
    canary_requests: Sequence[float],
    stable_errors: Sequence[float],
    stable_requests: Sequence[float],
) -> dict[str, MetricData]:
    return {
        "errors": MetricData(ERRORS, stable=series(stable_errors), canary=series(canary_errors)),
        "requests": MetricData(
            REQUESTS, stable=series(stable_requests), canary=series(canary_requests)
        ),
    }


ERROR_RATE = RateGate(name="error rate", numerator="errors", denominator="requests")


def sparse_errors(events: int, intervals: int, step: float = 10.0) -> list[float]:
    """Per-second error rates of `events` single errors spread over the intervals."""
    hits = {round(i * intervals / events) for i in range(events)}
    return [1.0 / step if i in hits else 0.0 for i in range(intervals)]


def test_rate_gate_catches_a_sixfold_error_rate_at_low_canary_traffic() -> None:
    """0.2 % -> 1.2 % with 20 canary requests per interval: most intervals see no error."""
    canary_errors = sparse_errors(14, 60)
    assert sum(v == 0 for v in canary_errors) == 46
    data = rate_data(canary_errors, [2.0] * 60, [0.2] * 60, [100.0] * 60)
    gate = ERROR_RATE.model_copy(update={"window": timedelta(minutes=10)})
    result = evaluate_gate(gate, data, NOW)
    assert (result.status, result.classification) == (GateStatus.FAIL, "High")
    assert result.explanation == (
        "error rate: canary 14 errors in 1,200 requests (1.17 %)"
        " vs stable 120 in 60,000 (0.2 %) — High at 98 % confidence"
    )


def test_rate_gate_passes_the_same_error_rate() -> None:
    data = rate_data(sparse_errors(2, 60), [2.0] * 60, [0.2] * 60, [100.0] * 60)
    gate = ERROR_RATE.model_copy(update={"window": timedelta(minutes=10)})
    result = evaluate_gate(gate, data, NOW)
    assert (result.status, result.classification) == (GateStatus.PASS, "Pass")


def test_rate_gate_explains_in_counts() -> None:
    data = rate_data([0.12] * 30, [10.0] * 30, [0.8] * 30, [400.0] * 30)
    result = evaluate_gate(ERROR_RATE, data, NOW)
    assert (result.samples, result.samples_needed, result.metric) == (30, 6, "errors")
    assert result.explanation == (
        "error rate: canary 36 errors in 3,000 requests (1.2 %)"
        " vs stable 240 in 120,000 (0.2 %) — High at 98 % confidence"
    )


def test_rate_gate_allowed_increase() -> None:
    data = rate_data([0.12] * 30, [10.0] * 30, [0.8] * 30, [400.0] * 30)
    gate = ERROR_RATE.model_copy(update={"allowed_increase": 10.0})
    result = evaluate_gate(gate, data, NOW)
    assert result.explanation.endswith("— Pass: within allowed +900 %")


def test_rate_gate_pending_stale_and_without_traffic() -> None:
    few = rate_data([0.1] * 4, [10.0] * 4, [0.1] * 30, [10.0] * 30)
    assert (
        evaluate_gate(ERROR_RATE, few, NOW).explanation
        == "error rate: 4 of 6 samples so far — pending"
    )
    stale = rate_data([0.1] * 30, [10.0] * 30, [0.1] * 30, [10.0] * 30)
    stale["errors"] = MetricData(
        ERRORS, stable=series([0.1] * 30), canary=series([0.1] * 30, end=NOW - 300)
    )
    assert evaluate_gate(ERROR_RATE, stale, NOW).explanation == (
        "error rate: stale: no canary errors data for 5m00s — pending"
    )
    idle = rate_data([0.0] * 30, [0.0] * 30, [0.1] * 30, [10.0] * 30)
    assert evaluate_gate(ERROR_RATE, idle, NOW).explanation == (
        "error rate: no canary requests in the last 5m00s — pending"
    )


# stale or missing data never passes -------------------------------------------------------

GATES: list[GateSpec] = [
    ThresholdGate(name="t", metric="p99 latency", max=1e9),
    RelativeGate(name="r", metric="p99 latency", tolerance=10),
    CompareGate(name="c", metric="p99 latency"),
    CompareGate(name="m", metric="p99 latency", must_have_data=True),
    RateGate(name="e", numerator="errors", denominator="requests"),
]


@pytest.mark.parametrize("gate", GATES, ids=lambda g: g.kind)
@pytest.mark.parametrize("age", [0.0, 61.0, 3600.0, None])
def test_stale_or_missing_data_never_passes(gate: GateSpec, age: float | None) -> None:
    healthy = latency(noisy(300, 30, 12), noisy(300, 30, 13)) | rate_data(
        [0.1] * 30, [10.0] * 30, [0.1] * 30, [10.0] * 30
    )
    fresh = evaluate_gate(gate, healthy, NOW)
    assert fresh.status is GateStatus.PASS
    if age is None:
        assert evaluate_gate(gate, {}, NOW).status is not GateStatus.PASS
    elif age > 60:
        assert evaluate_gate(gate, healthy, NOW + age).status is not GateStatus.PASS


# verdict ----------------------------------------------------------------------------------


def gates_and_data(
    high: Sequence[str] = (), pending: Sequence[str] = ()
) -> tuple[list[GateSpec], dict[str, MetricData]]:
    """Threshold gates on their own metrics: named ones fail High, pending ones lack samples."""
    names = ["p99 latency", "error rate", "cpu"]
    gates: list[GateSpec] = [ThresholdGate(name=n, metric=n, max=10) for n in names]
    data = {}
    for n in names:
        values = [20.0 if n in high else 5.0] * (10 if n in pending else 30)
        data[n] = MetricData(
            LATENCY.model_copy(update={"name": n}), stable=[], canary=series(values)
        )
    return gates, data


def verdict(high: Sequence[str] = (), pending: Sequence[str] = (), **spec: object) -> Judgement:
    gates, data = gates_and_data(high, pending)
    return judge(gates, data, NOW, JudgeSpec(**spec))


def test_all_pass() -> None:
    result = verdict()
    assert (result.status, result.score) == (GateStatus.PASS, 100.0)
    assert result.explanation == "score 100 (3 of 3 gates pass) — pass"
    assert result.bake_remaining is None
    assert [g.name for g in result.gates] == ["p99 latency", "error rate", "cpu"]


def test_one_failure_of_three_fails() -> None:
    result = verdict(high=["p99 latency"])
    assert (result.status, result.score) == (GateStatus.FAIL, pytest.approx(66.67))
    assert result.explanation == "score 67 (2 of 3 gates pass; p99 latency High) — fail"


def test_marginal_between_thresholds() -> None:
    result = verdict(high=["cpu"], marginal_score=60)
    assert (result.status, result.explanation) == (
        GateStatus.MARGINAL,
        "score 67 (2 of 3 gates pass; cpu High) — marginal",
    )


def test_weights_combine_the_score() -> None:
    gates, data = gates_and_data(high=["cpu"])
    gates[2] = gates[2].model_copy(update={"weight": 0.1})
    gates[0] = gates[0].model_copy(update={"weight": 8.9})
    result = judge(gates, data, NOW, JudgeSpec())
    assert (result.status, result.score) == (GateStatus.PASS, 99.0)


def test_critical_failure_fails_at_once() -> None:
    gates, data = gates_and_data(high=["cpu"], pending=["error rate"])
    gates[2] = gates[2].model_copy(update={"critical": True})
    result = judge(gates, data, NOW, JudgeSpec(pass_score=0, marginal_score=0))
    assert (result.status, result.score) == (GateStatus.FAIL, 0.0)
    assert result.explanation == "score 0 (critical gate cpu High) — fail"


def test_pending_without_failures_is_pending() -> None:
    result = verdict(pending=["cpu"])
    assert (result.status, result.score) == (GateStatus.PENDING, 100.0)
    assert result.explanation == "score 100 (2 of 2 judged gates pass; 1 pending) — pending"


def test_all_pending_has_no_score() -> None:
    result = verdict(pending=["p99 latency", "error rate", "cpu"])
    assert (result.status, result.score) == (GateStatus.PENDING, None)
    assert result.explanation == "waiting for 3 of 3 gates: p99 latency, error rate, cpu — pending"


def test_pending_with_a_failure_fails_early_but_never_passes() -> None:
    early = verdict(high=["p99 latency"], pending=["cpu"])
    assert (early.status, early.score) == (GateStatus.FAIL, 50.0)
    lenient = verdict(high=["p99 latency"], pending=["cpu"], pass_score=40, marginal_score=20)
    assert lenient.status is GateStatus.PENDING


def test_no_gates_is_pending() -> None:
    result = judge([], {}, NOW, JudgeSpec())
    assert (result.status, result.score, result.explanation) == (
        GateStatus.PENDING,
        None,
        "no gates — pending",
    )


def test_bake_holds_a_passing_verdict() -> None:
    gates, data = gates_and_data()
    spec = JudgeSpec(bake=timedelta(minutes=20))
    held = judge(gates, data, NOW, spec, bake_started=NOW - 450)
    assert (held.status, held.score, held.bake_remaining) == (
        GateStatus.PENDING,
        100.0,
        timedelta(minutes=12, seconds=30),
    )
    assert held.explanation == "score 100 (3 of 3 gates pass) — holding: 12m30s of bake left"
    done = judge(gates, data, NOW, spec, bake_started=NOW - 1500)
    assert (done.status, done.bake_remaining) == (GateStatus.PASS, timedelta(0))
    unknown = judge(gates, data, NOW, spec)
    assert (unknown.status, unknown.bake_remaining) == (GateStatus.PASS, None)


def test_bake_does_not_hide_a_failure() -> None:
    gates, data = gates_and_data(high=["cpu"])
    result = judge(gates, data, NOW, JudgeSpec(bake=timedelta(minutes=20)), bake_started=NOW - 60)
    assert (result.status, result.bake_remaining) == (GateStatus.FAIL, timedelta(minutes=19))
    assert result.explanation.endswith("— fail")


def test_missing_data_fails_the_score_when_the_gate_must_have_data() -> None:
    gates, data = gates_and_data()
    gates.append(CompareGate(name="p99 compare", metric="p99 latency", must_have_data=True))
    result = judge(gates, data, NOW, JudgeSpec())
    assert (result.status, result.score) == (GateStatus.MARGINAL, 75.0)
    assert result.explanation == "score 75 (3 of 4 gates pass; p99 compare no data) — marginal"


def test_counts_are_named_after_the_metric_without_a_per_second_unit() -> None:
    data = rate_data([0.12] * 30, [10.0] * 30, [0.8] * 30, [400.0] * 30)
    for name in ("errors", "requests"):
        data[name] = MetricData(
            data[name].spec.model_copy(update={"unit": ""}),
            stable=data[name].stable,
            canary=data[name].canary,
        )
    result = evaluate_gate(ERROR_RATE, data, NOW)
    assert result.explanation.startswith("error rate: canary 36 errors in 3,000 requests (1.2 %)")


def test_relative_change_from_zero() -> None:
    gate = RelativeGate(name="p99", metric="p99 latency", tolerance=0.1)
    result = evaluate_gate(gate, latency([5.0] * 30, [0.0] * 30), NOW)
    assert result.explanation == (
        "p99: canary mean 5 ms vs stable 0 ms (from 0, allowed +10 %) — High, n=30/30"
    )
