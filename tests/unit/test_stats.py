"""The gate statistics against scipy and against brute force."""

from __future__ import annotations

import itertools
import math
import random
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sp

from tui.judge.stats import rank as stats
from tui.judge.stats import rate_test
from tui.judge.stats import sample as sample_stats

SMALL_INTS = st.lists(st.integers(0, 6).map(float), min_size=1, max_size=9)
FLOATS = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


def scipy_p(x: list[float], y: list[float]) -> float:
    return float(sp.mannwhitneyu(x, y, alternative="two-sided").pvalue)


@pytest.mark.parametrize(
    ("x", "y"),
    [
        pytest.param([1.0, 2.0, 3.0], [4.0, 5.0], id="tiny-exact"),
        pytest.param([3.0], [1.0], id="one-vs-one"),
        pytest.param([1.0, 2.0, 2.0, 3.0], [2.0, 2.0, 4.0], id="ties"),
        pytest.param([1.0, 2.0, 3.0, 4.0], [4.0, 3.0, 2.0, 1.0], id="identical"),
        pytest.param([5.0] * 9, [5.0] * 12, id="all-tied"),
        pytest.param([0.0] * 40 + [1.0, 2.0], [0.0] * 45 + [3.0], id="zero-inflated"),
        pytest.param(
            [random.Random(1).gauss(10, 2) for _ in range(300)],
            [random.Random(2).gauss(10.4, 2) for _ in range(280)],
            id="large",
        ),
    ],
)
def test_mann_whitney_matches_scipy(x: list[float], y: list[float]) -> None:
    result = stats.mann_whitney(x, y)
    assert result.u == pytest.approx(sp.mannwhitneyu(x, y).statistic)
    assert result.p_value == pytest.approx(scipy_p(x, y), rel=1e-9, abs=1e-15)


@settings(max_examples=150, deadline=None)
@given(x=SMALL_INTS, y=SMALL_INTS)
def test_mann_whitney_matches_scipy_with_ties(x: list[float], y: list[float]) -> None:
    expected = 1.0 if len({*x, *y}) == 1 else scipy_p(x, y)
    assert stats.mann_whitney(x, y).p_value == pytest.approx(expected, rel=1e-9, abs=1e-15)


@settings(max_examples=100, deadline=None)
@given(x=st.lists(FLOATS, min_size=1, max_size=12), y=st.lists(FLOATS, min_size=1, max_size=12))
def test_mann_whitney_matches_scipy_on_floats(x: list[float], y: list[float]) -> None:
    expected = 1.0 if len({*x, *y}) == 1 else scipy_p(x, y)
    assert stats.mann_whitney(x, y).p_value == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_mann_whitney_exact_tail_is_the_permutation_count() -> None:
    """5 vs 5 fully separated: 2 of the 252 arrangements are as extreme."""
    result = stats.mann_whitney([6.0, 7.0, 8.0, 9.0, 10.0], [1.0, 2.0, 3.0, 4.0, 5.0])
    assert result.p_value == pytest.approx(2 / 252)
    assert result.higher_share == 1.0


def wdiff(x: list[float], y: list[float], mu: float) -> float:
    """R's `wdiff` inside wilcox.test: the corrected, standardised statistic at shift mu."""
    shifted = [v - mu for v in x]
    ranks = sp.rankdata(shifted + y)
    m, n = len(x), len(y)
    dz = float(sum(ranks[:m])) - m * (m + 1) / 2 - m * n / 2
    _, counts = np.unique(shifted + y, return_counts=True)
    total = m + n
    sigma = math.sqrt(
        m * n / 12 * ((total + 1) - float(sum(counts**3 - counts)) / (total * (total - 1)))
    )
    return (dz - 0.5 * np.sign(dz)) / sigma


def inverted_interval(
    x: list[float], y: list[float], confidence: float
) -> tuple[float, float] | None:
    """Brute force, as R finds the bounds: the first shift where the one-sided criterion for
    the lower bound stops rejecting, and the last where the one for the upper bound does,
    probed between (and beyond) all distinct pairwise differences."""
    z = sp.norm.ppf(1 - (1 - confidence) / 2)
    diffs = sorted({a - b for a in x for b in y})
    edges = [diffs[0] - 1.0, *diffs, diffs[-1] + 1.0]
    probes = [(a + b) / 2 for a, b in itertools.pairwise(edges)]
    lower_ok = [wdiff(x, y, mu) <= z for mu in probes]
    upper_ok = [wdiff(x, y, mu) >= -z for mu in probes]
    if lower_ok[0] or upper_ok[-1]:
        return None
    first = lower_ok.index(True)
    last = len(upper_ok) - 1 - upper_ok[::-1].index(True)
    return edges[first], edges[last + 1]


@settings(max_examples=150, deadline=None)
@given(
    x=st.lists(st.integers(0, 30).map(float), min_size=2, max_size=12),
    y=st.lists(st.integers(0, 30).map(float), min_size=2, max_size=12),
    confidence=st.sampled_from([0.8, 0.9, 0.95, 0.98]),
)
def test_shift_interval_is_the_inverted_rank_test(
    x: list[float], y: list[float], confidence: float
) -> None:
    shift = stats.shift_interval(x, y, confidence)
    expected = inverted_interval(x, y, confidence)
    if expected is None:
        assert shift is None
    else:
        assert shift is not None
        assert (shift.lower, shift.upper) == expected


@settings(max_examples=100, deadline=None)
@given(x=st.lists(FLOATS, min_size=1, max_size=15), y=st.lists(FLOATS, min_size=1, max_size=15))
def test_shift_interval_is_order_statistics_of_pairwise_differences(
    x: list[float], y: list[float]
) -> None:
    shift = stats.shift_interval(x, y, 0.9)
    diffs = sorted(a - b for a in x for b in y)
    if shift is None:
        return
    ranks = range(1, len(diffs) + 1)
    assert any(diffs[k - 1] == shift.lower and diffs[-k] == shift.upper for k in ranks)
    assert shift.estimate == statistics.median(diffs)
    assert shift.lower <= shift.estimate <= shift.upper


@settings(max_examples=60, deadline=None)
@given(
    x=st.lists(st.integers(-50, 50).map(lambda v: v / 8), min_size=1, max_size=220),
    y=st.lists(FLOATS, min_size=1, max_size=220),
    data=st.data(),
)
def test_order_statistics_match_sorting_every_difference(
    x: list[float], y: list[float], data: st.DataObject
) -> None:
    diffs = sorted(a - b for a in x for b in y)
    ranks = data.draw(st.lists(st.integers(1, len(diffs)), min_size=1, max_size=4))
    assert stats.order_statistics(x, y, ranks) == [diffs[r - 1] for r in ranks]


@pytest.mark.parametrize("tie_step", [0.0, 0.5, 5.0])
def test_order_statistics_on_long_windows(tie_step: float) -> None:
    """Long windows take the banded path; ties and zero inflation must not shift a rank."""
    rng = random.Random(int(tie_step * 10))

    def sample(n: int, mu: float) -> list[float]:
        values = [max(0.0, rng.gauss(mu, 4.0)) for _ in range(n)]
        return [round(v / tie_step) * tie_step for v in values] if tie_step else values

    x, y = sample(300, 3.0), sample(257, 2.0)
    diffs = sorted(a - b for a in x for b in y)
    middle = len(diffs) // 2
    central = [middle - 4000, middle, middle + 1, middle + 4000]
    anywhere = [1, 2, *rng.sample(range(1, len(diffs) + 1), 20), len(diffs)]
    for ranks in (central, anywhere):
        assert stats.order_statistics(x, y, ranks) == [diffs[r - 1] for r in ranks]


def test_shift_interval_too_small_to_bound() -> None:
    assert stats.shift_interval([5.0], [1.0], 0.95) is None
    assert stats.shift_interval([5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0], 0.98) is None
    bounded = stats.shift_interval([10.0, 20.0, 30.0, 40.0], [1.0, 2.0, 3.0, 4.0], 0.95)
    assert bounded == stats.Shift(lower=6.0, estimate=22.5, upper=39.0)


def test_shift_interval_exact_on_tiny_values() -> None:
    """A root finder with absolute tolerance 1e-4 cannot resolve these; order statistics can."""
    rng = random.Random(5)
    x = [rng.gauss(3e-5, 1e-6) for _ in range(40)]
    y = [rng.gauss(2e-5, 1e-6) for _ in range(40)]
    tiny = stats.shift_interval(x, y, 0.98)
    big = stats.shift_interval([v * 2**40 for v in x], [v * 2**40 for v in y], 0.98)
    assert tiny is not None and big is not None
    assert 0 < tiny.lower < tiny.estimate < tiny.upper < 2e-5
    assert (big.lower, big.estimate, big.upper) == (
        tiny.lower * 2**40,
        tiny.estimate * 2**40,
        tiny.upper * 2**40,
    )


@settings(max_examples=100, deadline=None)
@given(values=st.lists(FLOATS, min_size=1, max_size=40), q=st.floats(0, 100, allow_nan=False))
def test_percentile_is_linear_interpolation(values: list[float], q: float) -> None:
    assert sample_stats.percentile(values, q) == pytest.approx(
        float(np.percentile(values, q)), abs=1e-9
    )


def test_percentile_keeps_infinity() -> None:
    assert sample_stats.percentile([1.0, math.inf, math.inf], 99) == math.inf


def test_iqr_outliers_never_cut_inside_the_1st_to_99th_percentile() -> None:
    values = [float(v) for v in range(1, 101)] + [1000.0]
    flags = sample_stats.iqr_outliers(values, 0.1)
    assert flags[-1]
    assert not any(flags[1:-2])


def test_prepare_replaces_or_removes_non_finite_values() -> None:
    raw = [1.0, math.nan, math.inf, 2.0]
    assert sample_stats.prepare(raw, "remove", None) == [1.0, 2.0]
    assert sample_stats.prepare(raw, "replace", None) == [1.0, 0.0, 0.0, 2.0]
    assert sample_stats.prepare([*[1.0] * 20, 50.0], "remove", 3.0) == [1.0] * 20


def test_ratio_keeps_direction_for_negative_values() -> None:
    assert sample_stats.ratio(12.0, 10.0) == pytest.approx(1.2)
    assert sample_stats.ratio(-20.0, -10.0) == pytest.approx(0.0)
    assert sample_stats.ratio(-5.0, -10.0) == pytest.approx(1.5)
    assert math.isnan(sample_stats.ratio(1.0, 0.0))


@pytest.mark.parametrize("n", [1, 7, 60, 4000, 250_000])
@pytest.mark.parametrize("p", [1e-5, 0.003, 0.2, 0.97])
def test_binomial_tails_match_scipy(n: int, p: float) -> None:
    for k in sorted({0, 1, 2, n // 50, n // 3, n // 2, n - 1, n}):
        assert rate_test.binomial_sf(k, n, p) == pytest.approx(sp.binom.sf(k - 1, n, p), rel=1e-9)
        assert rate_test.binomial_cdf(k, n, p) == pytest.approx(sp.binom.cdf(k, n, p), rel=1e-9)


def test_compare_samples_constant_samples_need_no_noise() -> None:
    result = stats.compare_samples([10.0] * 20, [1.0] * 20, confidence=0.98, direction="either")
    assert (result.label, result.basis) == ("High", "tied")
    result = stats.compare_samples([10.0] * 5, [1.0] * 25, confidence=0.98, direction="either")
    assert result.label == "High"


def test_compare_samples_negative_metric_drop_is_low() -> None:
    rng = random.Random(3)
    stable = [-10 + rng.gauss(0, 0.5) for _ in range(40)]
    canary = [-20 + rng.gauss(0, 0.5) for _ in range(40)]
    assert stats.compare_samples(canary, stable, confidence=0.98, direction="either").label == "Low"


def test_compare_samples_one_vs_one_is_too_small() -> None:
    result = stats.compare_samples([2.0], [1.0], confidence=0.98, direction="either")
    assert (result.label, result.basis) == ("NoData", "too small")


def test_compare_samples_zero_inflated_increase_is_caught() -> None:
    canary = [0.0] * 150 + [1.5] * 50
    stable = [0.0] * 190 + [1.5] * 10
    result = stats.compare_samples(canary, stable, confidence=0.98, direction="either")
    assert result.shift == stats.Shift(0.0, 0.0, 0.0)
    assert (result.label, result.basis, result.tied_value) == ("High", "tied", 0.0)


SAMPLES = st.lists(st.floats(1.0, 100.0), min_size=8, max_size=30)


@settings(max_examples=150, deadline=None)
@given(canary=SAMPLES, stable=SAMPLES, shift=st.sampled_from([0.0, 5.0, 30.0, -30.0]))
def test_swapping_stable_and_canary_swaps_high_and_low(
    canary: list[float], stable: list[float], shift: float
) -> None:
    canary = [v + shift for v in canary]
    forward = stats.compare_samples(canary, stable, confidence=0.95, direction="either")
    backward = stats.compare_samples(stable, canary, confidence=0.95, direction="either")
    swapped = {"High": "Low", "Low": "High"}
    assert backward.label == swapped.get(forward.label, forward.label)


@settings(max_examples=150, deadline=None)
@given(
    canary=SAMPLES,
    stable=SAMPLES,
    shift=st.sampled_from([0.0, 5.0, 30.0, -30.0]),
    power=st.integers(-30, 30),
)
def test_scaling_both_samples_keeps_the_class(
    canary: list[float], stable: list[float], shift: float, power: int
) -> None:
    """Scaling by a power of two is exact in binary floating point, so nothing may change."""
    canary = [v + shift for v in canary]
    factor = 2.0**power
    plain = stats.compare_samples(canary, stable, confidence=0.95, direction="either")
    scaled = stats.compare_samples(
        [v * factor for v in canary],
        [v * factor for v in stable],
        confidence=0.95,
        direction="either",
    )
    assert scaled.label == plain.label


def test_scaling_by_a_million_keeps_the_class() -> None:
    rng = random.Random(11)
    stable = [rng.lognormvariate(0, 0.3) * 1e-5 for _ in range(60)]
    canary = [rng.lognormvariate(0.2, 0.3) * 1e-5 for _ in range(60)]
    tiny = stats.compare_samples(canary, stable, confidence=0.98, direction="either")
    big = stats.compare_samples(
        [v * 1e6 for v in canary], [v * 1e6 for v in stable], confidence=0.98, direction="either"
    )
    assert tiny.label == big.label == "High"


def test_compare_rates_catches_an_increase_from_zero() -> None:
    result = rate_test.compare_rates(8, 1_000, 0, 50_000, confidence=0.98, direction="increase")
    assert (result.label, result.change, result.effect) == ("High", "up", math.inf)


def test_compare_rates_no_events_anywhere_passes() -> None:
    result = rate_test.compare_rates(0, 1_000, 0, 50_000, confidence=0.98, direction="either")
    assert (result.label, result.change) == ("Pass", "none")
    assert math.isnan(result.effect)


def test_compare_rates_respects_allowed_increase() -> None:
    args = (30, 10_000, 1_000, 1_000_000)
    assert rate_test.compare_rates(*args, confidence=0.98, direction="increase").label == "High"
    allowed = rate_test.compare_rates(
        *args, confidence=0.98, direction="increase", allowed_increase=5
    )
    assert (allowed.label, allowed.change) == ("Pass", "up")


def test_compare_rates_is_symmetric() -> None:
    up = rate_test.compare_rates(36, 3_000, 240, 120_000, confidence=0.98, direction="either")
    down = rate_test.compare_rates(240, 120_000, 36, 3_000, confidence=0.98, direction="either")
    assert (up.label, down.label) == ("High", "Low")
    assert up.p_value == pytest.approx(down.p_value)
