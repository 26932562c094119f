"""Kayenta's own test vectors, judged by rollwatch's statistics.

The fixture holds the numbers of each case of Kayenta's test suites; the settings and expected
results below are copied from those suites (spinnaker/kayenta, commit named in the fixture).
Where rollwatch disagrees on purpose the case says so and why. Every case in the fixture must be
checked here or listed as not applicable, so a new vector cannot slip by unnoticed.
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest

from backends.model import GateStatus
from tests.conformance.shared_fixtures import shared_fixtures
from tui.judge.data import MetricData
from tui.judge.specs import MetricSpec, RelativeGate
from tui.judge.stats import classification
from tui.judge.stats import rank as stats
from tui.judge.stats import sample as sample_stats
from tui.judge.verdict import evaluate_gate

VECTOR_FILE = "kayenta/kayenta_test_vectors.json"
VECTORS = shared_fixtures(VECTOR_FILE) / VECTOR_FILE

R_TOLERANCE = 1e-4
"""uniroot's absolute tolerance in R and Kayenta: their bounds are only this close to exact."""


@cache
def cases() -> dict[str, Any]:
    return json.loads(VECTORS.read_text())["cases"]


def samples(name: str) -> tuple[list[float], list[float]]:
    """(experiment = canary, control = stable) of one case, whatever the suite called them."""
    arrays = cases()[name]["arrays"]
    for canary, stable in (
        ("experimentData", "controlData"),
        ("experiment", "control"),
        ("x", "y"),
    ):
        if canary in arrays:
            return arrays[canary], arrays[stable]
    raise KeyError(name)


@dataclass(frozen=True)
class Classified:
    """One ClassifierSuite case: Kayenta's settings and label, and ours when we differ."""

    name: str
    kayenta: str
    direction: classification.Direction = "either"
    allowed: tuple[float, float] = (1.0, 1.0)
    tolerance: float = 0.10
    confidence: float = 0.95
    nan_strategy: str = "remove"
    ours: str | None = None
    why: str = ""


SUITE = "ClassifierSuite:Mann-Whitney "
CLES_NOTE = "rollwatch's effect size is the ratio of means; Kayenta's CLES thresholds are not used"
CLASSIFIED = [
    Classified("Classifier Test: Pass Metric", "Pass"),
    Classified("Classifier Test: High Metric", "High"),
    Classified("Classifier Test: Low Metric", "Low"),
    Classified("Classifier Directional Test: Increase", "Pass", "increase"),
    Classified("Classifier Directional Test: Decrease", "Pass", "decrease"),
    Classified("Classifier Directional Test: High Metric", "High", "increase"),
    Classified("Classifier Directional Test: Low Metric", "Low", "decrease"),
    Classified(
        "Classifier Test: High Metric (Large Input)",
        "High",
        why="81 % zeros: the exact shift interval is [0, 0], so Kayenta's High comes only from "
        "its root finder stopping at an inverted interval; rollwatch reaches High from the "
        "rank test (p < 1e-8) and says the sample is zero-inflated",
    ),
    Classified("Classifier Test - Mean Ratio Effect Size: High", "High", allowed=(0.8, 1.2)),
    Classified("Classifier Test - Mean Ratio Effect Size: Low", "Low", "decrease", (0.8, 1.2)),
    Classified("Classifier Test - Mean Ratio Effect Size: Pass", "Pass", allowed=(0.5, 1.0)),
    Classified(
        "Classifier Test - Mean Ratio Effect Size: Pass (Large Input)", "Pass", allowed=(1.0, 5.0)
    ),
    Classified(
        "Classifier Test - CLES Effect Size: Pass",
        "Pass",
        tolerance=0.2,
        confidence=0.98,
        why=CLES_NOTE,
    ),
    Classified(
        "Classifier Test - CLES Effect Size: High",
        "High",
        tolerance=0.2,
        confidence=0.98,
        why=CLES_NOTE,
    ),
    Classified(
        "Classifier Test - CLES Effect Size: Low",
        "Low",
        tolerance=0.2,
        confidence=0.98,
        why=CLES_NOTE,
    ),
    Classified("Classifier Test - Critical Effect Size: Critical High", "High"),
    Classified("Classifier Test - Critical Effect Size: Critical Low", "Low"),
    Classified(
        "Classifier Test - Critical Effect Size: High",
        "High",
        allowed=(1.0, 5.0),
        why="Kayenta marks this High as not critical (ratio 12 < criticalIncrease 13); rollwatch "
        "has no separate critical effect size, so on a critical gate every failure is critical",
    ),
    Classified("Classifier Test - Critical Effect Size: Pass", "Pass", allowed=(1.0, 13.0)),
    Classified(
        "Classifier Test - Critical Effect Size: Critical High (Default Thresholds)", "High"
    ),
    Classified("Tied Observations", "Pass", "decrease"),
    Classified("Identical Populations", "Pass", "decrease"),
    Classified("Leading Zero Identical Population", "Pass", "decrease"),
    Classified("Missing Experiment Data", "NoData", "decrease"),
    Classified("Missing Experiment Data: Critical Metric", "NoData", "decrease"),
    Classified(
        "Missing Experiment Data with NaN Replacement",
        "Pass",
        "decrease",
        nan_strategy="replace",
        ours="NoData",
        why="missing data never passes; Kayenta's replace strategy turns an empty canary into Pass",
    ),
    Classified("Missing Data: Reason String", "NoData", "decrease"),
    Classified("Majority Tied Observations", "Pass"),
    Classified("Tied Ranks", "High"),
    Classified("Tied Ranks With Zeros", "High"),
    Classified("Zero Mean: High Metric with Effect Size", "High", allowed=(0.8, 1.2)),
    Classified("Zero Mean: Low Metric with Effect Size", "Low", allowed=(0.8, 1.2)),
    Classified("Zero Mean: Critical Metric", "High", nan_strategy="replace"),
    Classified("Zero Mean: Pass Metric", "Pass", allowed=(0.8, 1.2)),
]


BY_NAME = {case.name: case for case in CLASSIFIED}


def classify(case: Classified) -> stats.Comparison:
    canary, stable = samples(SUITE + case.name)
    prepare = "replace" if case.nan_strategy == "replace" else "remove"
    return stats.compare_samples(
        sample_stats.prepare(canary, prepare, None),
        sample_stats.prepare(stable, prepare, None),
        confidence=case.confidence,
        direction=case.direction,
        allowed_decrease=case.allowed[0],
        allowed_increase=case.allowed[1],
        tolerance=case.tolerance,
    )


@pytest.mark.parametrize("case", CLASSIFIED, ids=lambda c: c.name)
def test_classifier_suite(case: Classified) -> None:
    result = classify(case)
    assert result.label == (case.ours or case.kayenta), case.why


def test_zero_inflated_large_input_is_judged_by_the_rank_test() -> None:
    result = classify(BY_NAME["Classifier Test: High Metric (Large Input)"])
    assert result.shift == stats.Shift(0.0, 0.0, 0.0)
    assert result.basis == "tied"
    assert result.tied_value == 0.0
    assert result.test is not None and result.test.p_value < 1e-8


def test_zero_mean_effect_sizes() -> None:
    """Kayenta's deviation is NaN when either mean is 0; rollwatch only when stable's is.

    A canary mean of 0 against a stable mean of 55.5 is a 100 % drop, not an unknown effect.
    """
    assert math.isnan(classify(BY_NAME["Zero Mean: High Metric with Effect Size"]).effect)
    assert classify(BY_NAME["Zero Mean: Low Metric with Effect Size"]).effect == 0.0
    assert classify(BY_NAME["Zero Mean: Pass Metric"]).effect == 1.0


def test_cles_vector_under_judge_defaults_is_scale_free() -> None:
    """Kayenta's judge (98 %, tolerance 0.25) calls this High with an inverted interval
    (lower 1.9e-5 > upper 4.1e-6) and the same data times 1e6 Pass. Exact bounds: Pass both."""
    canary, stable = samples(SUITE + "Classifier Test - CLES Effect Size: Pass")
    for factor in (1.0, 1e6):
        result = stats.compare_samples(
            [v * factor for v in canary],
            [v * factor for v in stable],
            confidence=0.98,
            direction="either",
        )
        assert result.label == "Pass"
        assert result.shift is not None and result.shift.lower <= result.shift.upper


MEAN_INEQUALITY = {
    "Mean Inequality Classifier Test: High Metric": ("lower", "High"),
    "Mean Inequality Classifier Test: Low Metric": ("higher", "Low"),
    "Mean Inequality Classifier Test: Pass Metric": ("lower", "Pass"),
}


@pytest.mark.parametrize("name", MEAN_INEQUALITY)
def test_mean_inequality_is_a_relative_gate_without_tolerance(name: str) -> None:
    better, label = MEAN_INEQUALITY[name]
    canary, stable = samples("ClassifierSuite:" + name)
    spec = MetricSpec(name="m", query="q", better=better)
    now = 1_000_000.0

    def series(values: list[float]) -> list[tuple[float, float]]:
        return [(now - 10.0 * i, v) for i, v in enumerate(reversed(values))]

    data = {"m": MetricData(spec, stable=series(stable), canary=series(canary))}
    gate = RelativeGate(name="m", metric="m", tolerance=0.0, min_samples=5)
    result = evaluate_gate(gate, data, now)
    assert result.classification == label
    assert result.status is (GateStatus.PASS if label == "Pass" else GateStatus.FAIL)


MW = "MannWhitneySuite:Mann-Whitney "


def test_interval_and_estimate() -> None:
    canary, stable = samples(MW + "Confidence Interval & Estimate")
    assert stats.shift_interval(canary, stable, 0.95) == stats.Shift(6.0, 22.5, 39.0)


def test_z_quantile() -> None:
    assert stats.normal_quantile(0.02 / 2) == pytest.approx(-2.326348, abs=1e-6)


def test_wilcoxon_diff_function() -> None:
    """R's standardised statistic at shift 0 and 5 is our continuity-corrected z."""
    canary, stable = samples("MannWhitneySuite:Wilcoxon Diff Function")
    assert stats.mann_whitney(canary, stable).z == pytest.approx(-1.229416, abs=1e-6)
    shifted = [v - 5 for v in canary]
    assert stats.mann_whitney(shifted, stable).z == pytest.approx(-35.80606, abs=1e-5)


def test_problem_case_is_exact_where_the_root_finder_is_not() -> None:
    """Values near 0.0333 differ by about 1e-8: Brent's absolute tolerance of 1e-4 swamps them.

    Kayenta returns [-1.48e-5, 1.81e-5] with its estimate equal to its upper bound (the solver
    stopped at the bracket). The exact interval is the order statistics of the differences and
    the estimate their median, strictly inside it.
    """
    canary, stable = samples(MW + "Confidence Interval & Estimate: Problem Case")
    kayenta = stats.Shift(-1.4808028936386108e-5, 1.808255910873413e-5, 1.808255910873413e-5)
    ours = stats.shift_interval(canary, stable, 0.98)
    assert ours is not None
    assert ours.estimate == statistics.median(c - s for c in canary for s in stable)
    assert kayenta.lower < ours.lower < ours.estimate < ours.upper < kayenta.upper
    assert ours.upper - ours.lower < (kayenta.upper - kayenta.lower) / 100


@pytest.mark.parametrize(
    ("name", "confidence", "r_interval"),
    [
        (
            "Confidence Interval & Estimate: Tie out with R Version",
            0.95,
            (-0.500002521696696, -0.4999393907180323, -3.486287505871302e-5),
        ),
        (
            "Confidence Interval & Estimate: Tie out with R Version (Large)",
            0.98,
            (-0.4999173250549087, -3.45044082729315e-5, -6.912685789769486e-6),
        ),
    ],
)
def test_ties_out_with_r(name: str, confidence: float, r_interval: tuple[float, ...]) -> None:
    """R's bounds land within its tolerance of the exact jumps at -0.5 and 0."""
    canary, stable = samples(MW + name)
    ours = stats.shift_interval(canary, stable, confidence)
    assert ours is not None
    assert (ours.lower, ours.upper) == (-0.5, 0.0)
    for exact, r in zip((ours.lower, ours.estimate, ours.upper), r_interval, strict=True):
        assert exact == pytest.approx(r, abs=R_TOLERANCE)


def test_intermediate_values() -> None:
    """R's f(mu, zq) at the bracket ends agrees; its interval does not, on purpose.

    R and Kayenta return lower 3.52e-5 > upper 2.02e-5, an inverted interval no data can have:
    with 81 % zeros every bound of the exact interval sits on the jump at 0.
    """
    canary, stable = samples(MW + "Intermediate Values / Variables")
    mu_min, mu_max = min(canary) - max(stable), max(canary) - min(stable)
    assert (mu_min, mu_max) == pytest.approx((-3.124999999999986, 5.555555555555557), abs=1e-6)
    z = -stats.normal_quantile(0.05 / 2)
    assert z == pytest.approx(1.9599639845400536, abs=1e-6)
    r_values = {
        (mu_min, z): 17.090968923762254,
        (mu_max, z): -20.997687930433106,
        (mu_min, -z): 21.01089689284236,
        (mu_max, -z): -17.077759961353,
    }
    for (mu, zq), expected in r_values.items():
        shifted = [v - mu for v in canary]
        assert stats.mann_whitney(shifted, stable).z - zq == pytest.approx(expected, abs=1e-6)
    assert stats.shift_interval(canary, stable, 0.95) == stats.Shift(0.0, 0.0, 0.0)


ST = "StatisticSuite:"


def test_percentiles() -> None:
    data = cases()
    basic = data[ST + "Summary Statistics: Basic Percentile"]["arrays"]["testData"]
    assert sample_stats.percentile(basic, 5) == pytest.approx(0.175, abs=1e-4)
    assert (sample_stats.percentile(basic, 50), sample_stats.percentile(basic, 100)) == (1.75, 3.5)
    linear = data[ST + "Summary Statistics: Basic Percentile Estimate (Linear Interpolation)"]
    assert sample_stats.percentile(linear["arrays"]["testData"], 50) == 4.5
    nist = data[ST + "Summary Statistics: Percentile (NIST Data)"]["arrays"]["testData"]
    assert sample_stats.percentile(nist, 90) == pytest.approx(95.19568, abs=1e-9)
    assert sample_stats.percentile([1.0], 100) == 1.0
    estimate = data[ST + "Summary Statistics: Percentile Estimate (Linear Interpolation)"]
    values = estimate["arrays"]["testData"]
    assert sample_stats.percentile(values, 25) == 0.0
    assert sample_stats.percentile(values, 75) == pytest.approx(0.0416, abs=1e-4)


MEAN_RATIOS = {
    "Effect Size: Mean Ratio (No Effect)": 1.0,
    "Effect Size: Mean Ratio (Summary Stats)": 1.0,
    "Effect Size: Mean Ratio (High)": 10.0,
    "Effect Size: Mean Ratio (Low)": 0.1,
    "Effect Size: Mean Ratio (Zero Mean)": math.nan,
}


@pytest.mark.parametrize("name", MEAN_RATIOS)
def test_mean_ratio(name: str) -> None:
    canary, stable = samples(ST + name)
    effect = sample_stats.ratio(sample_stats.mean(canary), sample_stats.mean(stable))
    assert effect == pytest.approx(MEAN_RATIOS[name], nan_ok=True)


CLES = {
    "CLES Effect Size: Identical": 0.5,
    "CLES Effect Size: Different (No Overlap)": 0.0,
    "CLES Effect Size: High Metric": pytest.approx(0.771, abs=0.001),
    "CLES Effect Size: Low Metric": pytest.approx(0.12),
}


@pytest.mark.parametrize("name", CLES)
def test_common_language_effect_size(name: str) -> None:
    """Kayenta's CLES is how often the canary beats stable, which the rank test reports."""
    canary, stable = samples(ST + name)
    assert stats.mann_whitney(canary, stable).higher_share == CLES[name]


OUTLIERS = {
    "DetectorSuite:IQR Detection": [4],
    "DetectorSuite:IQR Detect Two Sided": [3, 7],
    "DetectorSuite:IQR Empty Data": [],
    "DetectorSuite:IQR NIST Test": [89],
    "DetectorSuite:KSigma Detection": [5],
    "DetectorSuite:KSigma Two Sided": [3, 7],
}


@pytest.mark.parametrize("name", OUTLIERS)
def test_outliers(name: str) -> None:
    """Kayenta's judge removes outliers with the IQR rule at reduced sensitivity, as rollwatch
    does; the suite's plain-IQR and k-sigma cases flag the same points under that rule."""
    values = cases()[name]["arrays"]["testData"]
    flagged = [i for i, out in enumerate(sample_stats.iqr_outliers(values, 1.5)) if out]
    assert flagged == OUTLIERS[name]


NOT_APPLICABLE = {
    ST + "Summary Statistics: Scalar": "no numbers in the fixture; rollwatch has no summary record",
    ST + "Summary Statistics: List": "no numbers in the fixture; rollwatch has no summary record",
    ST
    + "Summary Statistics: No Data": "no numbers in the fixture; rollwatch has no summary record",
    ST + "Summary Statistics: Percentile Metric Object": "checked inline in test_percentiles",
    ST + "Effect Size: Cohen's D": "rollwatch's effect size is the ratio of means",
}


def test_every_vector_is_accounted_for() -> None:
    checked = {SUITE + c.name for c in CLASSIFIED}
    checked |= {"ClassifierSuite:" + name for name in MEAN_INEQUALITY}
    checked |= {ST + name for name in (*MEAN_RATIOS, *CLES)}
    checked |= set(OUTLIERS)
    checked |= {
        MW + "Confidence Interval & Estimate",
        "MannWhitneySuite:Test zQuant",
        "MannWhitneySuite:Wilcoxon Diff Function",
        MW + "Confidence Interval & Estimate: Problem Case",
        MW + "Confidence Interval & Estimate: Tie out with R Version",
        MW + "Confidence Interval & Estimate: Tie out with R Version (Large)",
        MW + "Intermediate Values / Variables",
        ST + "Summary Statistics: Basic Percentile",
        ST + "Summary Statistics: Basic Percentile Estimate (Linear Interpolation)",
        ST + "Summary Statistics: Percentile (NIST Data)",
        ST + "Summary Statistics: Percentile Estimate (Linear Interpolation)",
    }
    assert checked | set(NOT_APPLICABLE) == set(cases())
    assert not checked & set(NOT_APPLICABLE)
