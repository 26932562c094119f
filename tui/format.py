"""How numbers, durations and revisions read on screen and in headless output."""

from __future__ import annotations

import math
from datetime import timedelta


def value(v: float | None, unit: str = "") -> str:
    """A metric value short enough for a narrow column: 3 significant digits, unit attached."""
    if v is None or math.isnan(v):
        return "—"
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    magnitude = abs(v)
    if magnitude >= 10_000:
        text = f"{v / 1000:.1f}k"
    elif magnitude >= 100:
        text = f"{v:.0f}"
    elif magnitude >= 10:
        text = f"{v:.1f}"
    elif magnitude >= 1:
        text = f"{v:.2f}"
    else:
        text = f"{v:.3f}"
    if not unit:
        return text
    return f"{text}{unit}" if unit in ("%",) else f"{text} {unit}"


def duration(delta: timedelta | float) -> str:
    """`4s`, `12m04s`, `2h05m`: the precision a person reads at a glance."""
    seconds = int(delta.total_seconds() if isinstance(delta, timedelta) else delta)
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 60:
        return f"{sign}{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{sign}{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{sign}{hours}h{minutes:02d}m"


def weight(w: float) -> str:
    return f"{w:.0f} %" if w == round(w) else f"{w:.1f} %"


def revision(rev: str | None) -> str:
    return (rev or "—")[:10]


def position(current: int | None, total: int) -> str:
    """`3/7` for the step being run, `7/7` once every step is done, as the Argo CLI counts."""
    return f"{min((current or 0) + 1, total)}/{total}"
