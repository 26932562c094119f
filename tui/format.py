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


def step_number(index: int | None, total: int) -> int | None:
    """The step as people and JSON consumers count it: from 1, as the Argo CLI does.

    Backends keep the plan's 0-based index (`Rollout.current_step`); everything rollwatch
    prints, shows or reads from a person goes through this function and `step_index`. A
    rollout past its last step (done) reads as its last step; no plan, or no position, is None.
    """
    if index is None or total <= 0:
        return None
    return min(index + 1, total)


def step_index(number: int) -> int:
    """The 0-based index of step `number` as a person wrote it (`--expect-step 3` -> 2)."""
    if number < 1:
        raise ValueError(f"step numbers start at 1, not {number}")
    return number - 1


def position(current: int | None, total: int) -> str:
    """`3/7` for the step at index 2 of 7, `7/7` once every step is done, `—` with no plan."""
    return step_of(step_number(current, total), total)


def step_of(number: int | None, total: int) -> str:
    """`3/7` from a step number already counted from 1 (as headless records carry it)."""
    if number is None:
        return f"—/{total}" if total else "—"
    return f"{number}/{total}"
