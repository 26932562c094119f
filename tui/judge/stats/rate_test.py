"""The rate gate's test: canary events per unit of exposure against stable's, exact at any count.

Pure functions over plain floats with no third-party imports, so the judge runs wherever the
TUI runs: the binomial tail comes from a continued fraction of the incomplete beta function.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tui.judge.stats.classification import Change, Direction, Label, classify


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 100_000):
        for aa in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + aa / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta I_x(a, b), evaluated on the side where it converges fast."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    log_front += a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _betacf(a, b, x) / a
    return 1.0 - math.exp(log_front) * _betacf(b, a, 1.0 - x) / b


def binomial_sf(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), accurate far into the tail."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    return _betainc(k, n - k + 1, p)


def binomial_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p), accurate far into the tail."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    return _betainc(n - k, k + 1, 1.0 - p)


@dataclass(frozen=True)
class RateComparison:
    """Canary event rate against stable's, per unit of exposure (errors per request)."""

    label: Label
    change: Change
    effect: float
    p_value: float


def compare_rates(
    canary_events: float,
    canary_exposure: float,
    stable_events: float,
    stable_exposure: float,
    *,
    confidence: float,
    direction: Direction,
    allowed_increase: float = 1.0,
    allowed_decrease: float = 1.0,
) -> RateComparison:
    """Exact conditional test of two Poisson rates, two-sided at the confidence.

    Given the total number of events, the canary's share is binomial with p = its share of the
    exposure. That stays exact when most canary intervals saw no event at all, where a rank test
    over per-interval ratios sees mostly ties and a normal approximation is far off. Events are
    rounded to whole numbers: rates times seconds are counts up to the store's extrapolation.
    """
    k = round(canary_events)
    total = k + round(stable_events)
    share = canary_exposure / (canary_exposure + stable_exposure)
    p_up, p_down = binomial_sf(k, total, share), binomial_cdf(k, total, share)
    alpha = (1.0 - confidence) / 2.0
    up = p_up <= alpha
    down = p_down <= alpha and not up
    stable_rate = stable_events / stable_exposure
    if stable_rate > 0:
        effect = canary_events / canary_exposure / stable_rate
    else:
        effect = math.inf if canary_events > 0 else math.nan
    label = classify(up, down, direction, effect, allowed_increase, allowed_decrease)
    change: Change = "up" if up else "down" if down else "none"
    return RateComparison(label, change, effect, min(1.0, 2.0 * min(p_up, p_down)))
