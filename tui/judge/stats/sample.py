"""Statistics of one sample: mean, percentiles, outliers, and the canary-to-stable ratio.

Apart from the two-sample tests because the threshold and relative gates need them without
any test. Pure functions over plain floats with no third-party imports, like the tests.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal


def mean(values: Sequence[float]) -> float:
    """Accurate mean that still answers (with inf or NaN) when values are not finite."""
    if all(math.isfinite(v) for v in values):
        return math.fsum(values) / len(values)
    return sum(values) / len(values)


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between order statistics (R-7), as Kayenta and numpy do."""
    ordered = sorted(values)
    h = (len(ordered) - 1) * q / 100.0
    low = math.floor(h)
    high = min(low + 1, len(ordered) - 1)
    if h == low or ordered[low] == ordered[high]:
        return ordered[low]
    return ordered[low] + (h - low) * (ordered[high] - ordered[low])


def aggregate(values: Sequence[float], how: str) -> float:
    """One number for a window: mean, max, min, last, or a percentile written 'p99'."""
    if how == "mean":
        return mean(values)
    if how == "max":
        return max(values)
    if how == "min":
        return min(values)
    if how == "last":
        return values[-1]
    return percentile(values, float(how[1:]))


def iqr_outliers(values: Sequence[float], factor: float) -> list[bool]:
    """Kayenta's IQR detector with reduced sensitivity.

    The fences never cut inside the 1st-99th percentile range, so a large, clean sample loses at
    most its extreme percent instead of its natural tail.
    """
    if not values:
        return []
    q1, q3 = percentile(values, 25), percentile(values, 75)
    spread = factor * (q3 - q1)
    low = min(percentile(values, 1), q1 - spread)
    high = max(percentile(values, 99), q3 + spread)
    return [v < low or v > high for v in values]


def prepare(
    values: Sequence[float],
    nan_strategy: Literal["remove", "replace"],
    outlier_factor: float | None,
) -> list[float]:
    """Values ready for ranking: infinities count as NaN since a rank shift needs magnitudes."""
    if nan_strategy == "replace":
        ready = [v if math.isfinite(v) else 0.0 for v in values]
    else:
        ready = [v for v in values if math.isfinite(v)]
    if outlier_factor is not None:
        flags = iqr_outliers(ready, outlier_factor)
        ready = [v for v, out in zip(ready, flags, strict=True) if not out]
    return ready


def log_mean_exp(values: Sequence[float]) -> float:
    """log(mean(exp(v))) without overflow: the average of evidence kept as logs."""
    top = max(values)
    if top == -math.inf:
        return -math.inf
    return top + math.log(math.fsum(math.exp(v - top) for v in values) / len(values))


def ratio(canary: float, stable: float) -> float:
    """Canary over stable as an effect size; NaN when stable is zero.

    For a negative stable value the plain ratio points the wrong way (a drop from -10 to -20
    gives 2.0), so it becomes the relative change `1 + (canary - stable) / |stable|`, which
    equals the plain ratio whenever stable is positive.
    """
    if stable == 0:
        return math.nan
    return canary / stable if stable > 0 else 1.0 + (canary - stable) / abs(stable)
