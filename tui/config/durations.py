"""Durations as people write them, read by one parser that knows each duration's sane range.

Every duration rollwatch reads (the config's resolutions, windows and bake, the CLI's timeouts)
comes through `parse_duration`, so an absurd value is refused where it is written: "0s" as a
resolution would later divide by zero, "0.001s" would send hundreds of queries a second, and
"99999999999h" overflows Python's timedelta. The message names the accepted range.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import NamedTuple

from pydantic import TypeAdapter, ValidationError

from tui.config.secrets import shown

_HUMAN = re.compile(r"(-?)(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?")
_ISO = TypeAdapter(timedelta)
SYNTAX = 'must be a duration like "30s", "5m" or "1h30m", or a number of seconds'


class Bounds(NamedTuple):
    """The shortest and longest a duration may be, both included."""

    shortest: timedelta
    longest: timedelta


RESOLUTION = Bounds(timedelta(seconds=1), timedelta(hours=1))
"""Each point is one query: below a second the store is flooded, above an hour nothing moves."""
WINDOW = Bounds(timedelta(seconds=1), timedelta(days=1))
"""What a gate judges or a graph shows; windows are held in memory for a 24-hour watch."""
BAKE = Bounds(timedelta(0), timedelta(days=30))
"""How long a canary must hold; 0 means no bake."""
TIMEOUT = Bounds(timedelta(microseconds=1), timedelta(days=30))
"""How long a command waits: anything above zero, up to a rollout's plausible length."""


class DurationError(ValueError):
    """A duration that cannot be used; str() completes "<field>: ..." in a one-line message."""


def parse_duration(value: object, bounds: Bounds) -> timedelta:
    """`"30s"`, `"5m"`, `"1h30m"`, `"1h 30m"`, ISO 8601 (`"PT1M30S"`) or a number of seconds.

    Raises:
        DurationError: not a duration, not finite, or outside `bounds`; the message says which
            and shows the value as written.
    """
    seconds = _seconds(value)
    if seconds is None:
        raise DurationError(f"{SYNTAX}, not {shown(value)}")
    shortest, longest = (limit.total_seconds() for limit in bounds)
    if not shortest <= seconds <= longest:
        nearest = bounds.shortest if seconds < shortest else bounds.longest
        side = "at least" if seconds < shortest else "at most"
        raise DurationError(f"must be {side} {duration_text(nearest)}, not {shown(value)}")
    return timedelta(seconds=seconds)


def duration_text(delta: timedelta) -> str:
    """The shortest exact form `parse_duration` reads back: `5m`, `1h30m`, `0.5s`, `0s`."""
    whole, micro = divmod(abs(delta) // timedelta(microseconds=1), 1_000_000)
    sign = "-" if delta < timedelta(0) else ""
    if micro:
        return f"{sign}{whole}.{micro:06d}".rstrip("0") + "s"
    hours, rest = divmod(whole, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = ((hours, "h"), (minutes, "m"), (seconds, "s"))
    return sign + ("".join(f"{n}{unit}" for n, unit in parts if n) or "0s")


def _seconds(value: object) -> float | None:
    """The value in seconds (inf when too large for a float), None when it is no duration."""
    seconds: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        big = abs(value) >= 10**300 and not isinstance(value, float)
        seconds = (math.inf if value > 0 else -math.inf) if big else float(value)
    elif isinstance(value, str):
        seconds = _text_seconds(value)
    return None if seconds is None or math.isnan(seconds) else seconds


def _text_seconds(text: str) -> float | None:
    found = _HUMAN.fullmatch(text.replace(" ", ""))
    if found is not None and any(found.groups()[1:]):
        hours, minutes, seconds = (float(part or 0) for part in found.groups()[1:])
        total = hours * 3600 + minutes * 60 + seconds
        return -total if found.group(1) else total
    try:
        return _ISO.validate_python(text).total_seconds()
    except (ValidationError, OverflowError):
        return None
