"""The parsed TOML before validation: values no setting may hold, and durations read once.

TOML can say things no rollwatch setting means: `inf` and `nan` (a weight of inf turns the
score into a bare NaN in JSON), arrays nested thousands deep (deep enough to exhaust Python's
stack while it is validated or masked). Both are refused here, with their place in the file,
before anything walks the data recursively.
"""

from __future__ import annotations

import math
from typing import Any

from tui.config.durations import BAKE, RESOLUTION, WINDOW, Bounds, DurationError, parse_duration
from tui.config.errors import MAX_DEPTH, Loc

DURATIONS: dict[tuple[str, str], Bounds] = {
    ("metric", "resolution"): RESOLUTION,
    ("metric", "sample_span"): WINDOW,
    ("gate", "window"): WINDOW,
    ("judge", "bake"): BAKE,
    ("ui", "window"): WINDOW,
}
"""Every duration in the file by table and key, with the range it may take."""


def impossible_value(raw: dict[str, Any]) -> tuple[Loc, str] | None:
    """The first value nested too deep or not a finite number, without recursing."""
    stack: list[tuple[Loc, Any]] = [((), raw)]
    while stack:
        loc, value = stack.pop()
        if len(loc) > MAX_DEPTH:
            return loc[
                :MAX_DEPTH
            ], f"nested more than {MAX_DEPTH} levels deep; no rollwatch setting goes that deep"
        if isinstance(value, float) and not math.isfinite(value):
            return loc, f"must be a finite number, not {value}"
        if isinstance(value, dict):
            stack.extend(((*loc, key), item) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend(((*loc, index), item) for index, item in reversed(list(enumerate(value))))
    return None


def read_durations(data: dict[str, Any]) -> tuple[Loc, str] | None:
    """Replace each duration with a timedelta in place; the first one that cannot be used."""
    for (name, key), bounds in DURATIONS.items():
        tables = data.get(name)
        listed = isinstance(tables, list)
        for index, table in enumerate(tables if isinstance(tables, list) else [tables]):
            if not isinstance(table, dict) or key not in table:
                continue
            try:
                table[key] = parse_duration(table[key], bounds)
            except DurationError as error:
                return ((name, index, key) if listed else (name, key)), str(error)
    return None
