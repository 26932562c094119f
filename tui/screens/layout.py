"""How the watch screen shares the terminal's lines: computed from its size, never scrolled.

The order of what must stay visible: the header, the steps and the footer; a banner when a link
is down; every gate and the verdict; then the metric rows (gated metrics before the others),
and the events with what is left. A terminal too short for every row drops rows instead of
scrolling, so the last gate line is never pushed off the screen.

A banner comes and goes with a link, so it takes its lines from what the rows leave over: the
events' lines beyond the least they keep, then the rule over the gates-and-events band. Only
when those are not enough are the rows planned again without its lines, so a one-line banner
never turns graphs into bars where they fit without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

COMPACT_WIDTH = 100
COMPACT_HEIGHT = 30
"""Below either, gates and events stack and metric rows become bars."""
CHROME = 5
"""Header (2), steps (1), column titles (1) and footer (1)."""
BORDER = 1
"""The rule over the gates-and-events band."""
EVENTS_LARGE = 5
"""Lines of the band (under its rule) when gates and events sit side by side."""
EVENTS_SMALL = 3
"""The most lines the events get when stacked under the gates."""
MIN_ROW = 2
"""A metric row's least height: its name and its latest values."""
MIN_PLOT = 5
"""Rows shorter than this draw bars instead of braille plots."""


@dataclass(frozen=True)
class Layout:
    stacked: bool
    """Events under the gates (small terminals) rather than beside them."""
    banner: int
    rule: bool
    """The rule over the band is drawn: it gives way to a banner before any row does."""
    shown: tuple[int, ...]
    """Indexes of the metric rows shown, in screen order."""
    row_height: int
    plots: bool
    gates: int
    """Lines for the verdict and the gates."""
    events: int
    """Lines for the events when stacked (beside the gates they take the band's height)."""
    bottom: int
    """The gates-and-events band's height, its rule (when drawn) included."""


def plan(
    width: int,
    height: int,
    *,
    gated: Sequence[bool],
    gates: int,
    banner: int = 0,
) -> Layout:
    """Share `height` lines among the parts; `gated[i]` says whether row i's metric is gated.

    Args:
        gates: how many gate lines the panel shows (the verdict line comes on top).
        banner: the banner's lines (0 when every link works).
    """
    stacked = width < COMPACT_WIDTH or height < COMPACT_HEIGHT
    gate_lines = 1 + gates
    free = max(0, height - CHROME - BORDER)
    count, row_height = _rows(stacked, free, len(gated), gate_lines)
    band = free - count * row_height
    spare = band - (gate_lines + 1 if stacked else gate_lines)
    rule = banner <= spare
    if rule:
        band -= banner
    elif banner <= spare + BORDER:
        band -= banner - BORDER
    else:
        rule = True
        free = max(0, free - banner)
        count, row_height = _rows(stacked, free, len(gated), gate_lines)
        band = free - count * row_height
    gates_shown = min(gate_lines, band)
    return Layout(
        stacked=stacked,
        banner=banner,
        rule=rule,
        shown=_most_wanted(gated, count),
        row_height=row_height,
        plots=not stacked and row_height >= MIN_PLOT,
        gates=gates_shown,
        events=band - gates_shown if stacked else band,
        bottom=(BORDER if rule else 0) + band,
    )


def _rows(stacked: bool, free: int, rows: int, gate_lines: int) -> tuple[int, int]:
    """How many metric rows `free` lines hold, and their height, once the gates and the least
    of the events have theirs."""
    if stacked:
        rest = max(0, free - gate_lines)
        events = min(rest, EVENTS_SMALL, max(1, rest - MIN_ROW * rows))
        space = rest - events
    else:
        events = min(max(EVENTS_LARGE, gate_lines), max(gate_lines, free - MIN_ROW))
        space = max(0, free - events)
    count = min(rows, space // MIN_ROW)
    return count, space // count if count else 0


def _most_wanted(gated: Sequence[bool], count: int) -> tuple[int, ...]:
    """The `count` rows to show: gated metrics first, then the others, each in screen order."""
    order = sorted(range(len(gated)), key=lambda i: (not gated[i], i))
    return tuple(sorted(order[:count]))
