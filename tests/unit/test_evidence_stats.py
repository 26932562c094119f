"""The anytime-valid statistics, checked against scipy and against closed forms.

The count evidence is a mixture of binomial likelihood ratios: recomputed here from scipy's
binomial pmf. The pair evidence rests on one fact, that a bet `1 + tanh(k·x)` is fair on any
distribution symmetric about zero: integrated here numerically for several, heavy tails
included. Ville's inequality then bounds the chance that either ever reaches 1/alpha; the
simulations check that bound holds on noise where the method's assumptions bend.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from scipy import stats as sp

from tui.judge.stats import count_evidence, fresh_starts, pair_evidence
from tui.judge.stats.count_evidence import CountEvidence
from tui.judge.stats.fresh_starts import FreshStarts
from tui.judge.stats.pair_evidence import BETS, PairEvidence, log_bet


def intervals(seed: int, n: int, canary_rate: float, *, steps: bool = False) -> list[tuple]:
    """(canary events, canary exposure, stable events, stable exposure) per interval."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        canary = 50.0 * (1 + 9 * (steps and i >= n // 2))
        load = math.exp(0.3 * math.sin(i / 20))
        cx, sx = rng.poisson(canary * load), rng.poisson((2050 - canary) * load)
        rows.append((rng.poisson(cx * canary_rate), cx, rng.poisson(sx * 0.002), sx))
    return rows


# count evidence ---------------------------------------------------------------------------


def mixture(increments: list[list[float]]) -> float:
    """The fresh-starts mixture recomputed from each interval's log factors, as the module says:
    the run from the start weighs FIRST, the j-th fresh start (1 - FIRST)/(j(j+1))."""
    total = 0.0
    for j, start in enumerate(range(0, len(increments), fresh_starts.EVERY)):
        sums = np.sum(increments[start:], axis=0)
        weight = fresh_starts.FIRST if j == 0 else (1 - fresh_starts.FIRST) / (j * (j + 1))
        total += weight * float(np.mean(np.exp(sums)))
    return math.log(total)


@pytest.mark.parametrize("bound", [1.0, 1.5])
@pytest.mark.parametrize("up", [True, False])
def test_count_evidence_is_the_binomial_likelihood_ratio_scipy_computes(
    bound: float, up: bool
) -> None:
    rows = intervals(1, 80, 0.006, steps=True)
    evidence = CountEvidence(bound=bound, up=up)
    increments = []
    for ce, cx, se, sx in rows:
        evidence.add((ce, cx), (se, sx))
        step = np.zeros(len(count_evidence.RATIOS))
        if cx > 0 and sx > 0:
            null = bound * cx / (bound * cx + sx)
            for i, ratio in enumerate(evidence.alternatives):
                share = ratio * cx / (ratio * cx + sx)
                step[i] = sp.binom.logpmf(ce, ce + se, share) - sp.binom.logpmf(ce, ce + se, null)
        increments.append(list(step))
    assert evidence.log_ratios == pytest.approx(np.sum(increments, axis=0), rel=1e-9, abs=1e-9)
    assert evidence.log_value == pytest.approx(mixture(increments), rel=1e-12, abs=1e-12)


def test_fresh_start_weights_sum_to_one() -> None:
    """FIRST + (1 - FIRST) * sum 1/(j(j+1)) = 1: the mixture starts at most at 1."""
    rest = sum(1 / (j * (j + 1)) for j in range(1, 100_000))
    assert fresh_starts.FIRST + (1 - fresh_starts.FIRST) * rest == pytest.approx(1, abs=1e-4)


def test_fresh_starts_keep_the_first_run_and_a_bounded_few() -> None:
    runs = FreshStarts(2)
    for i in range(fresh_starts.EVERY * 40):
        runs.add([-0.01, 0.02] if i < 600 else [0.3, -0.1])
    assert len(runs.runs) == fresh_starts.KEEP
    assert runs.from_start == pytest.approx([-6.0 + 0.3 * 600, 12.0 - 0.1 * 600])
    assert runs.runs[0][0] == math.log(fresh_starts.FIRST)


def test_each_interval_is_a_fair_bet_when_the_null_holds() -> None:
    """E[likelihood ratio | total events] = 1 at the bound: summed over the binomial exactly."""
    cx, sx, total = 50.0, 2000.0, 12
    null = cx / (cx + sx)
    for ratio in count_evidence.RATIOS:
        share = ratio * cx / (ratio * cx + sx)
        expected = sum(
            sp.binom.pmf(k, total, null)
            * math.exp(
                k * (math.log(share) - math.log(null))
                + (total - k) * (math.log1p(-share) - math.log1p(-null))
            )
            for k in range(total + 1)
        )
        assert expected == pytest.approx(1.0, rel=1e-9)


def test_count_evidence_keeps_totals_and_the_observed_ratio() -> None:
    evidence = CountEvidence()
    evidence.add((3.0, 500.0), (4.0, 2000.0))
    evidence.add((0.0, 0.0), (2.0, 1000.0))
    assert (evidence.canary_events, evidence.canary_exposure, evidence.intervals) == (3, 500, 2)
    assert evidence.ratio == pytest.approx((3 / 500) / (6 / 3000))
    assert CountEvidence().ratio != CountEvidence().ratio  # NaN without data


def test_count_evidence_on_noise_stays_below_its_bar() -> None:
    """Ville: P(ever >= 100) <= 1 %. 300 healthy 2-hour canaries, shares stepping midway."""
    failed = 0
    for seed in range(300):
        evidence = CountEvidence()
        for ce, cx, se, sx in intervals(seed, 720, 0.002, steps=seed % 2 == 0):
            evidence.add((ce, cx), (se, sx))
            if evidence.log_value >= math.log(100):
                failed += 1
                break
    assert failed <= 3


def test_count_evidence_finds_six_times_the_errors_within_a_few_minutes() -> None:
    found = []
    for seed in range(100):
        evidence = CountEvidence()
        for n, (ce, cx, se, sx) in enumerate(intervals(seed, 120, 0.012), start=1):
            evidence.add((ce, cx), (se, sx))
            if evidence.log_value >= math.log(100):
                found.append(n)
                break
    assert len(found) == 100
    assert sorted(found)[49] <= 15


# pair evidence ----------------------------------------------------------------------------


@pytest.mark.parametrize("x", [-800.0, -30.0, -1.0, -1e-9, 0.0, 0.3, 5.0, 800.0])
def test_log_bet_is_log_one_plus_tanh_without_overflow(x: float) -> None:
    with np.errstate(divide="ignore"):
        exact = float(np.log1p(np.tanh(np.float64(x))))
    if math.isinf(exact):
        assert log_bet(x) == pytest.approx(math.log(2) - 2 * abs(x), rel=1e-12)
    else:
        assert log_bet(x) == pytest.approx(exact, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(
    "null",
    [sp.norm(scale=0.17), sp.laplace(scale=0.1), sp.t(df=1.5, scale=0.05), sp.uniform(-2, 4)],
    ids=["normal", "laplace", "t1.5", "uniform"],
)
@pytest.mark.parametrize("k", BETS)
def test_a_bet_is_fair_on_any_symmetric_null(null: sp.rv_continuous, k: float) -> None:
    """E[1 + tanh(k·d/s)] = 1 for d symmetric about 0, whatever its tails; below 1 if shifted."""
    spread = 0.12

    def mean(shift: float) -> float:
        def bet(d: float) -> float:
            return 1 + math.tanh(k * (d - shift) / spread)

        halves = (null.expect(bet, lb=-np.inf, ub=0), null.expect(bet, lb=0, ub=np.inf))
        return float(sum(halves))

    assert mean(0.0) == pytest.approx(1.0, abs=1e-7)
    assert mean(0.05) < 1.0


def test_the_spread_is_the_median_absolute_deviation_scipy_computes() -> None:
    rng = random.Random(3)
    evidence = PairEvidence()
    values = [rng.gauss(0.1, 0.2) for _ in range(200)]
    for v in values:
        evidence.add(v, 1.0, 1.0)
    recent = values[-pair_evidence.RECENT :]
    mad = sp.median_abs_deviation(recent, scale="normal")
    n, prior = len(recent), pair_evidence.PRIOR_WEIGHT
    expected = (prior * pair_evidence.PRIOR_SPREAD + n * mad) / (prior + n)
    assert evidence.spread() == pytest.approx(expected, rel=1e-12)
    assert PairEvidence().spread() == pair_evidence.PRIOR_SPREAD


def test_pair_evidence_is_the_average_wealth_of_its_bets() -> None:
    rng = random.Random(4)
    evidence, increments, changes = PairEvidence(), [], []
    for _ in range(70):
        change = rng.gauss(0.05, 0.15)
        spread = evidence.spread()
        increments.append([math.log1p(math.tanh(k * change / spread)) for k in BETS])
        changes.append(change)
        evidence.add(change, math.exp(change), 1.0)
    assert evidence.log_wealth == pytest.approx(np.sum(increments, axis=0), rel=1e-9)
    assert evidence.log_value == pytest.approx(mixture(increments), rel=1e-12)
    geometric = math.exp(sum(changes) / len(changes))
    assert evidence.means == pytest.approx((geometric, 1.0), rel=1e-12)


def test_one_pair_at_most_doubles_the_evidence() -> None:
    evidence = PairEvidence()
    for _ in range(10):
        evidence.add(0.0, 1.0, 1.0)
    before = evidence.log_value
    evidence.add(50.0, math.exp(50.0), 1.0)
    assert evidence.log_value <= before + math.log(2) + 1e-12


def paired(seed: int, n: int, factor: float, kind: str) -> list[float]:
    """log(canary / stable) per interval: log-normal sigma 0.12 per side, shared load cancels.

    `ar`: each side's noise is autocorrelated (0.5 per step); `spikes`: 2 % of intervals per
    side jump x1.5-4; `t`: heavy-tailed noise (Student t, 2 degrees of freedom).
    """
    rng = random.Random(f"{seed}|{kind}")
    noise = {"canary": 0.0, "stable": 0.0}
    out = []
    for _ in range(n):
        logs = []
        for side in noise:
            if kind == "ar":
                noise[side] = 0.5 * noise[side] + math.sqrt(0.75) * rng.gauss(0, 0.12)
            elif kind == "t":
                noise[side] = 0.08 * rng.gauss(0, 1) / math.sqrt(rng.gammavariate(1, 1))
            else:
                noise[side] = rng.gauss(0, 0.12)
            spike = math.log(rng.uniform(1.5, 4)) if kind == "spikes" and rng.random() < 0.02 else 0
            logs.append(noise[side] + spike)
        out.append(math.log(factor) + logs[0] - logs[1])
    return out


def first_crossing(changes: list[float], allowed: float = 1.0, bar: float = 100.0) -> int | None:
    evidence = PairEvidence()
    for n, change in enumerate(changes, start=1):
        evidence.add(change - math.log(allowed), 1.0, 1.0)
        if evidence.log_value >= math.log(bar):
            return n
    return None


@pytest.mark.parametrize("kind", ["iid", "spikes", "t"])
def test_pair_evidence_on_noise_stays_below_its_bar(kind: str) -> None:
    """Ville: P(ever >= 100) <= 1 % at the bound itself (no tolerance): 300 2-hour canaries."""
    failed = sum(first_crossing(paired(seed, 720, 1.0, kind)) is not None for seed in range(300))
    assert failed <= 3


def windowed(seed: int, n: int, width: int = 6) -> list[float]:
    """log(canary / stable) of values over a sliding window of `width` intervals."""
    rng = random.Random(f"{seed}|windowed")
    sums = [0.0]
    for _ in range(n + width):
        sums.append(sums[-1] + rng.gauss(0, 0.12 * math.sqrt(2 * width)))
    return [(sums[i + width] - sums[i]) / width for i in range(n)]


def test_values_of_overlapping_windows_need_one_pair_per_window() -> None:
    """A p99 over rate(...[1m]) every 10 s shares 5/6 of its data with the next one. Judged
    pair by pair it repeats evidence and cries wolf; one pair per window keeps the bound."""
    every = sum(first_crossing(windowed(seed, 360)) is not None for seed in range(50))
    assert every > 10
    spaced = sum(first_crossing(windowed(seed, 2160)[::6]) is not None for seed in range(200))
    assert spaced <= 2


def test_pair_evidence_finds_a_quarter_more_latency_in_about_ten_pairs() -> None:
    found = [first_crossing(paired(seed, 120, 1.25, "iid"), allowed=1.02) for seed in range(100)]
    assert None not in found
    assert sorted(n for n in found if n is not None)[49] <= 12
    slower = [first_crossing(paired(seed, 180, 1.10, "iid"), allowed=1.02) for seed in range(100)]
    assert sum(n is not None for n in slower) >= 95


def test_a_regression_after_an_hour_of_health_is_found_within_minutes() -> None:
    """The evidence since the start sits far below 1 by then; the fresh starts do not."""
    found = []
    for seed in range(60):
        changes = paired(seed, 360, 1.0, "iid") + paired(seed + 1000, 180, 1.25, "iid")
        crossed = first_crossing(changes, allowed=1.02)
        assert crossed is not None and crossed > 360
        found.append(crossed - 360)
    assert sorted(found)[29] <= 40
