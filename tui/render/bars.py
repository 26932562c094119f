"""A series as block bars, one column per cell: the compact rows of small terminals.

Two lines of bars show the shape of a series where a braille plot would have no room; each
column stands as high as the highest sample in it, in eighths of a cell.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from tui.render.braille import Points, gap_limit
from tui.render.labels import column_of
from tui.render.picture import Ink, Picture, Row

BLOCKS = " ▁▂▃▄▅▆▇█"


def column_peaks(points: Points, x_range: tuple[float, float], columns: int) -> list[float | None]:
    """The highest value in each column; columns between two joined samples repeat the first.

    Samples further apart than the gap limit are not joined: missing data must look missing.
    """
    peaks: list[float | None] = [None] * columns
    x0, x1 = x_range
    if columns <= 0 or x1 <= x0:
        return peaks
    finite = [(t, v) for t, v in points if math.isfinite(v) and x0 <= t <= x1]
    limit = gap_limit(finite)
    previous: tuple[float, int, float] | None = None
    for t, v in finite:
        column = min(int((t - x0) / (x1 - x0) * columns), columns - 1)
        held = peaks[column]
        peak = v if held is None else max(held, v)
        peaks[column] = peak
        if previous is not None and t - previous[0] <= limit:
            for k in range(previous[1] + 1, column):
                peaks[k] = previous[2]
        previous = (t, column, peak)
    return peaks


def bars(
    width: int,
    height: int,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    points: Points,
    vlines: Sequence[float] = (),
) -> Picture:
    """The series as bars; `vlines` (the steps) as marks in the cells the bars leave empty."""
    if width <= 0 or height <= 0:
        return ()
    y0, y1 = y_range
    span = max(y1 - y0, 1e-12)
    levels = height * 8
    tops = [
        None if peak is None else max(1, min(levels, round((peak - y0) / span * levels)))
        for peak in column_peaks(points, x_range, width)
    ]
    marked = {column_of(t, x_range, width) for t in vlines} - {None}
    rows = []
    for line in range(height - 1, -1, -1):
        text = "".join(
            " " if top is None else BLOCKS[min(8, max(0, top - line * 8))] for top in tops
        )
        inks = bytes(Ink.SERIES if c != " " else Ink.BLANK for c in text)
        if marked:
            cells = [
                ("│", Ink.MARK) if c == " " and i in marked else (c, inks[i])
                for i, c in enumerate(text)
            ]
            text, inks = "".join(c for c, _ in cells), bytes(ink for _, ink in cells)
        rows.append(Row(text, inks))
    return tuple(rows)
