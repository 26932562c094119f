"""Statistics behind the compare gate: rank test, shift interval, and Kayenta's classifier.

Pure functions over plain floats with no third-party imports, so the judge runs wherever the
TUI runs. Kayenta's judge (the reference for the compare gate) approximates in places: it finds
interval bounds with a root finder whose absolute tolerance of 1e-4 swamps small values such as
error ratios, and it adds random noise to constant samples. Here the bounds are order statistics
of the pairwise differences, so they are exact at any scale and the same on every run.
"""

from __future__ import annotations

import math
import operator
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from statistics import NormalDist
from typing import Literal

from tui.judge.stats.classification import Change, Direction, Label, classify
from tui.judge.stats.sample import mean, ratio

TIED_SHARE = 0.5
"""Share of one value in the pooled samples from which a shift estimate is meaningless."""


def normal_quantile(p: float) -> float:
    return NormalDist().inv_cdf(p)


def normal_sf(z: float) -> float:
    """Upper tail via erfc: `1 - cdf` would round tiny p-values to zero."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


@dataclass(frozen=True)
class RankTest:
    """Mann-Whitney U of canary against stable, two-sided."""

    u: float
    n_canary: int
    n_stable: int
    z: float
    p_value: float

    @property
    def higher_share(self) -> float:
        """How often a canary sample beats a stable one (ties count half): 0.5 means no change."""
        return self.u / (self.n_canary * self.n_stable)


def _tie_sizes(values: Sequence[float]) -> list[int]:
    return [c for c in Counter(values).values() if c > 1]


def _sigma(m: int, n: int, ties: Sequence[int]) -> float:
    total = m + n
    tie_term = sum(t**3 - t for t in ties) / (total * (total - 1))
    return math.sqrt(m * n / 12.0 * ((total + 1) - tie_term))


def _u_upper_tail(u: float, m: int, n: int) -> float:
    """P(U >= u) for tie-free samples: coefficients of the Gaussian binomial [m+n choose m]."""
    m, n = sorted((m, n))
    size = m * n + 1
    counts = [1] + [0] * (size - 1)
    for i in range(1, m + 1):
        for d in range(size - 1, n + i - 1, -1):
            counts[d] -= counts[d - n - i]
        for d in range(i, size):
            counts[d] += counts[d - i]
    return sum(counts[math.ceil(u) :]) / math.comb(m + n, m)


def mann_whitney(canary: Sequence[float], stable: Sequence[float]) -> RankTest:
    """Tie-corrected Mann-Whitney U test, choosing its method as scipy's `method="auto"` does.

    Small tie-free samples get the exact distribution, whose smallest p-values the normal
    approximation overstates; otherwise the normal approximation with continuity correction.
    """
    m, n = len(canary), len(stable)
    pooled = sorted([(v, True) for v in canary] + [(v, False) for v in stable])
    rank_sum, ties, i = 0.0, [], 0
    while i < len(pooled):
        j = i
        while j + 1 < len(pooled) and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        average_rank = (i + j) / 2.0 + 1.0
        rank_sum += average_rank * sum(1 for k in range(i, j + 1) if pooled[k][1])
        if j > i:
            ties.append(j - i + 1)
        i = j + 1
    u = rank_sum - m * (m + 1) / 2.0
    dz = u - m * n / 2.0
    sigma = _sigma(m, n, ties)
    z = (dz - math.copysign(0.5, dz) * (dz != 0)) / sigma if sigma > 0 else 0.0
    if not ties and min(m, n) <= 8:
        p = 2.0 * _u_upper_tail(max(u, m * n - u), m, n)
    else:
        p = 2.0 * normal_sf(abs(z)) if sigma > 0 else 1.0
    return RankTest(u=u, n_canary=m, n_stable=n, z=z, p_value=min(p, 1.0))


@dataclass(frozen=True)
class Shift:
    """Hodges-Lehmann estimate of canary minus stable, with its confidence interval."""

    lower: float
    estimate: float
    upper: float


def shift_interval(
    canary: Sequence[float], stable: Sequence[float], confidence: float
) -> Shift | None:
    """The interval of R's `wilcox.test(conf.int=TRUE, correct=TRUE)`, without its root finder.

    Between two adjacent pairwise differences the test statistic is constant, so the interval
    R's root finder approaches is exactly `[d(k), d(mn+1-k)]` with k from the normal
    approximation. None when the samples are too small for any shift to be significant.
    """
    m, n = len(canary), len(stable)
    sigma = _sigma(m, n, _tie_sizes(canary) + _tie_sizes(stable))
    z = normal_quantile(1.0 - (1.0 - confidence) / 2.0)
    k = math.ceil(m * n / 2.0 - 0.5 - z * sigma)
    if k < 1:
        return None
    total = m * n
    half = (total + 1) // 2
    lower, low_mid, high_mid, upper = order_statistics(
        canary, stable, [k, half, total + 1 - half, total + 1 - k]
    )
    return Shift(lower=lower, estimate=(low_mid + high_mid) / 2.0, upper=upper)


def order_statistics(
    canary: Sequence[float], stable: Sequence[float], ranks: Sequence[int]
) -> list[float]:
    """Values at the given 1-based ranks among all differences `canary - stable` (finite values).

    Sorting all m*n differences on every poll is slow for long windows. A strided sample guesses
    a band of values holding the wanted ranks; each canary value's row of differences, sorted,
    is cut to that band by bisection on the exact differences, and only the band is sorted. A
    guess that misses widens until it holds, in the end to all differences.
    """
    xs, ys = sorted(canary), sorted(stable, reverse=True)
    first, last, total = min(ranks), max(ranks), len(xs) * len(ys)
    step = max(1, max(len(xs), len(ys)) // 50)
    sample = sorted(x - y for x in xs[::step] for y in ys[::step])
    for spread in (0.03, 0.12, 0.5, math.inf):
        low_at = math.floor((first / total - spread) * len(sample))
        high_at = math.ceil((last / total + spread) * len(sample))
        low = sample[low_at] if low_at >= 0 else -math.inf
        high = sample[high_at] if high_at < len(sample) else math.inf
        below, band = 0, list[float]()
        for x in xs:
            row = partial(operator.sub, x)
            start = bisect_left(ys, low, key=row)
            end = bisect_right(ys, high, lo=start, key=row)
            below += start
            band.extend(map(row, ys[start:end]))
        if below < first and below + len(band) >= last:
            band.sort()
            return [band[r - below - 1] for r in ranks]
    raise AssertionError("the widest band holds every difference")


@dataclass(frozen=True)
class Comparison:
    """How canary compares with stable, and the evidence for it.

    `basis` says how the label was reached: "missing", "identical", "too small", "tied" (half
    or more of all samples share one value, so a shift estimate is meaningless and the rank
    test's p-value decides) or "shift" (Kayenta's rule on the shift interval). `change` is the
    significant direction of movement at the confidence, before the tolerance and effect size.
    """

    label: Label
    basis: Literal["missing", "identical", "too small", "tied", "shift"]
    change: Change = "none"
    effect: float = math.nan
    test: RankTest | None = None
    shift: Shift | None = None
    tied_value: float = math.nan
    tied_share: float = 0.0


def compare_samples(
    canary: Sequence[float],
    stable: Sequence[float],
    *,
    confidence: float,
    direction: Direction,
    allowed_increase: float = 1.0,
    allowed_decrease: float = 1.0,
    tolerance: float = 0.25,
) -> Comparison:
    """Classify canary against stable as Kayenta's Mann-Whitney classifier does, exactly.

    A shift counts only when its interval clears `tolerance` times its own estimate (Kayenta's
    guard against noise) and the ratio of means reaches the allowed effect size.
    """
    if not canary or not stable:
        return Comparison("NoData", "missing")
    if sorted(canary) == sorted(stable) or len({*canary, *stable}) == 1:
        return Comparison("Pass", "identical", effect=1.0)
    effect = ratio(mean(canary), mean(stable))
    test = mann_whitney(canary, stable)
    shift = shift_interval(canary, stable, confidence)
    if shift is None:
        return Comparison("NoData", "too small", effect=effect, test=test)
    tied_value, tied_count = Counter([*canary, *stable]).most_common(1)[0]
    tied_share = tied_count / (len(canary) + len(stable))
    if tied_share >= TIED_SHARE:
        significant = test.p_value <= 1.0 - confidence
        up = significant and test.higher_share > 0.5
        down = significant and test.higher_share < 0.5
        change: Change = "up" if up else "down" if down else "none"
        label = classify(up, down, direction, effect, allowed_increase, allowed_decrease)
        return Comparison(label, "tied", change, effect, test, shift, tied_value, tied_share)
    margin = tolerance * abs(shift.estimate)
    up, down = shift.lower > margin, shift.upper < -margin
    change = "up" if shift.lower > 0 else "down" if shift.upper < 0 else "none"
    label = classify(up, down, direction, effect, allowed_increase, allowed_decrease)
    return Comparison(label, "shift", change, effect, test, shift, tied_value, tied_share)
