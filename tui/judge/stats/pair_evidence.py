"""Anytime-valid evidence that a canary's values (latency, durations) run above stable's.

The judge sees one value per interval on each side, a p99 say, not the requests behind it. It
pairs the two sides' values of each interval and looks at d = log(canary / stable) - log(bound).
Load moves both sides together, minute to minute: it cancels from the ratio. If the canary is no
worse than `bound` times stable, the two values of an interval are exchangeable up to that
factor, so d is symmetric about zero or below it, whatever its spread, its tails or how that
spread changes with traffic. That symmetry is the whole null hypothesis; nothing is assumed
Gaussian.

Under a symmetric null, betting `1 + tanh(k·d/s)` on each pair is fair or worse for any k and
any scale s fixed before the pair is seen: tanh is odd and bounded by 1. The product over pairs
is then a nonnegative supermartingale (testing by betting, as in Waudby-Smith and Ramdas, with
the bet of the likelihood ratio of a normal shift against its mirror image), and so is its
average over a few k (and over fresh starts, see stats.fresh_starts); by Ville's inequality it
ever reaches 1/alpha with probability at most alpha. One pair can at most double the evidence,
so a latency spike on one side is worth one pair, not a failure; and the scale s is the median
absolute deviation of recent pairs, so a spike does not blunt the bets that follow it either.

What the null does need is pairs that do not share what they measure: values of overlapping
windows (a p99 over rate(...[1m]) every 10 s) repeat one minute's evidence six times. The gate
then takes one pair per window (`spacing`).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from statistics import NormalDist

from tui.judge.stats.fresh_starts import FreshStarts

BETS = (0.25, 0.5, 1.0, 2.0, 4.0)
"""The k of each bet, in units of the pairs' spread: the likelihood ratio of a shift of k."""
RECENT = 64
"""Pairs the spread is measured on: enough to be steady, few enough to follow a change."""
PRIOR_SPREAD = 0.1
"""The spread assumed before any pair is seen (10 % between two intervals' values)..."""
PRIOR_WEIGHT = 2.0
"""...worth this many pairs."""
MIN_SPREAD = 1e-3
"""Below a 0.1 % spread, values are quantised or constant: the bets stay finite."""
MAD_TO_SD = 1.0 / NormalDist().inv_cdf(0.75)
"""The median absolute deviation of a normal sample, times this (1.4826), is its deviation."""


def log_bet(x: float) -> float:
    """log(1 + tanh(x)) = log 2 - log(1 + exp(-2x)), finite for every finite x."""
    z = -2.0 * x
    softplus = max(z, 0.0) + math.log1p(math.exp(-abs(z)))
    return math.log(2.0) - softplus


@dataclass
class PairEvidence:
    """Evidence, pair by pair, against "the canary's values are at most `bound` times stable's".

    `excess` values are d = log(canary / stable) - log(bound), or its negative for a metric
    where lower is worse. The totals of the logs give the ratio of geometric means to show.
    """

    runs: FreshStarts = field(default_factory=lambda: FreshStarts(len(BETS)))
    """The bets' log wealth, from the start and from fresh starts (see stats.fresh_starts)."""
    recent: deque[float] = field(default_factory=lambda: deque(maxlen=RECENT))
    pairs: int = 0
    sum_log_canary: float = 0.0
    sum_log_stable: float = 0.0

    def spread(self) -> float:
        """The scale of the next pair's bets, from the pairs before it only."""
        n = len(self.recent)
        mad = 0.0
        if n >= 2:
            ordered = sorted(self.recent)
            centre = _median(ordered)
            mad = MAD_TO_SD * _median(sorted(abs(v - centre) for v in ordered))
        blended = (PRIOR_WEIGHT * PRIOR_SPREAD + n * mad) / (PRIOR_WEIGHT + n)
        return max(blended, MIN_SPREAD)

    def add(self, excess: float, canary: float, stable: float) -> None:
        """One pair: its excess over the bound, and the two values it came from."""
        x = excess / self.spread()
        self.runs.add([log_bet(k * x) for k in BETS])
        self.recent.append(excess)
        self.pairs += 1
        self.sum_log_canary += math.log(canary)
        self.sum_log_stable += math.log(stable)

    @property
    def log_value(self) -> float:
        """Log of the evidence: the bets' average wealth, over the runs' weights."""
        return self.runs.log_value

    @property
    def log_wealth(self) -> list[float]:
        """Each bet's log wealth since the canary began."""
        return self.runs.from_start

    @property
    def means(self) -> tuple[float, float]:
        """Geometric means of canary's and stable's values over every pair."""
        if not self.pairs:
            return math.nan, math.nan
        return (
            math.exp(self.sum_log_canary / self.pairs),
            math.exp(self.sum_log_stable / self.pairs),
        )


def _median(ordered: list[float]) -> float:
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2.0
