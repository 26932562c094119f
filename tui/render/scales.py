"""Where a graph's axes begin and end: ranges that stay put while the data streams in.

A terminal is rewritten cell by cell, so a graph whose x range slides with every sample, or
whose y range follows every new extreme, rewrites every cell on every tick. These ranges move
only in steps: the time window grows through round spans and then pages forward a quarter at a
time; the value range snaps to round numbers and keeps them while the data still fills them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

NICE_SPANS = (
    *(60 * m for m in (1, 2, 3, 5, 7.5, 10, 15, 20, 30, 45)),
    *(3600 * h for h in (1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24)),
)
"""Seconds a growing window steps through: each about 1.5 times the one before, so the data
fills at least two thirds of the width after the first two minutes."""
PAGES = 4
"""A full window moves forward by 1/PAGES of its span when the data reaches its right edge."""
KEEP = 0.4
"""A value range is kept while the data spans at least this share of it."""


def time_window(start: float | None, now: float, span: float) -> tuple[float, float]:
    """The x range of every graph on screen; it moves only when the data reaches its edge.

    Args:
        start: when the data worth showing begins (the canary's first sample), or None.
        now: the session's time.
        span: the longest stretch the windows hold.

    Returns:
        `(start, start + s)` with s the first round span the data fits in, while it fits in
        `span`; after that a window of `span` whose end is `now` rounded up to the next
        quarter of `span`, so it holds still between those moments.
    """
    if start is not None and now - start < span:
        fitting = (s for s in NICE_SPANS if s < span and now - start < s)
        return start, start + next(fitting, span)
    page = span / PAGES
    end = math.ceil(now / page) * page
    return end - span, end


def value_range(
    values: Iterable[float], previous: tuple[float, float] | None = None
) -> tuple[float, float]:
    """A y range on round numbers that holds `values`, or `previous` while it still fits.

    `previous` is kept while it holds every value and the values span at least KEEP of it,
    so noise does not rescale the graph; it is left as soon as a value falls outside.
    """
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return previous or (0.0, 1.0)
    low, high = min(finite), max(finite)
    if previous is not None:
        lo, hi = previous
        if lo <= low and high <= hi and (high - low) >= KEEP * (hi - lo):
            return previous
    nonnegative = low >= 0
    if math.isclose(low, high, rel_tol=1e-9, abs_tol=1e-12):
        pad = max(abs(low) * 0.1, 1e-3)
        low, high = low - pad, high + pad
    step = nice_step((high - low) / 4)
    bottom = math.floor(low / step) * step
    return (max(bottom, 0.0) if nonnegative else bottom), math.ceil(high / step) * step


def nice_step(rough: float) -> float:
    """The round number (1, 2, 2.5 or 5 times a power of ten) at or above `rough`."""
    if rough <= 0 or not math.isfinite(rough):
        return 1.0
    power = 10.0 ** math.floor(math.log10(rough))
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        if rough <= factor * power * (1 + 1e-9):
            return factor * power
    return 10.0 * power


def tick_label(value: float) -> str:
    """A tick's number in at most five characters, precise enough to tell ticks apart."""
    magnitude = abs(value)
    if magnitude >= 10_000:
        return f"{value / 1000:.0f}k"
    if magnitude >= 100 or value == round(value):
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}".rstrip("0") if magnitude >= 0.01 else f"{value:.0e}"
