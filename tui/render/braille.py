"""A series drawn in braille dots: two columns and four rows of dots in every cell.

Each dot column covers the span from the lowest to the highest value that falls in it, joined
to the column before, so a thousand samples in eighty cells read as an envelope and a sample
every few columns as a line. A gap in the data stays open: missing data must look missing.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence

from tui.render.picture import Ink, Picture, Row

DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
"""The bit of each dot in a braille cell, by dot row (top first) and dot column."""
CHARS = " " + "".join(chr(0x2800 + bits) for bits in range(1, 256))
"""A cell's character by its bits; an empty cell is a space, not the blank braille pattern."""
GAP = 2.0
"""Samples further apart than GAP times the usual spacing are not joined."""

Points = Sequence[tuple[float, float]]


def gap_limit(points: Points) -> float:
    """The longest time between two samples that are still joined by a line."""
    steps = sorted(b[0] - a[0] for a, b in itertools.pairwise(points))
    if len(steps) < 2:
        return math.inf
    return GAP * steps[len(steps) // 2]


def dot_spans(
    points: Points,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    columns: int,
    rows: int,
) -> list[tuple[int, int] | None]:
    """For each dot column, the (top, bottom) dot rows the series covers there, or None.

    Row 0 is the top (the range's high end); values beyond the range are clamped to its edge.
    A column holds its samples' envelope, and reaches back to the previous column's last
    sample (through the empty columns between) unless the two are further apart than a gap.
    """
    spans: list[tuple[int, int] | None] = [None] * columns
    x0, x1 = x_range
    y0, y1 = y_range
    if columns <= 0 or rows <= 0 or x1 <= x0:
        return spans
    sx = columns / (x1 - x0)
    sy = (rows - 1) / (y1 - y0) if y1 > y0 else 0.0
    last_column, last_row = columns - 1, rows - 1
    tops = [rows] * columns
    bottoms = [-1] * columns
    entry: list[tuple[float, int]] = [(0.0, 0)] * columns
    """Time and row of each column's first sample, and of its last one in `leave`."""
    leave: list[tuple[float, int]] = [(0.0, 0)] * columns
    isfinite = math.isfinite
    for t, v in points:
        if not (x0 <= t <= x1 and isfinite(v)):
            continue
        column = int((t - x0) * sx)
        if column > last_column:
            column = last_column
        row = round((y1 - v) * sy)
        row = 0 if row < 0 else last_row if row > last_row else row
        if bottoms[column] < 0:
            entry[column] = (t, row)
            tops[column] = bottoms[column] = row
        elif row < tops[column]:
            tops[column] = row
        elif row > bottoms[column]:
            bottoms[column] = row
        leave[column] = (t, row)
    limit = gap_limit(points)
    previous = -1
    for column in range(columns):
        if bottoms[column] < 0:
            continue
        if previous >= 0 and entry[column][0] - leave[previous][0] <= limit:
            start = leave[previous][1]
            end = entry[column][1]
            width = column - previous
            before = start
            for k in range(previous + 1, column + 1):
                here = end if k == column else round(start + (end - start) * (k - previous) / width)
                top, bottom = (before, here) if before <= here else (here, before)
                if bottoms[k] < 0 or top < tops[k]:
                    tops[k] = top
                if bottom > bottoms[k]:
                    bottoms[k] = bottom
                before = here
        previous = column
    for column in range(columns):
        if bottoms[column] >= 0:
            spans[column] = (tops[column], bottoms[column])
    return spans


def _masks() -> tuple[tuple[tuple[int, ...], ...], ...]:
    """MASKS[side][top][bottom]: the bits of dot rows top..bottom of one side of a cell."""
    return tuple(
        tuple(
            tuple(sum(DOTS[r][side] for r in range(top, bottom + 1)) for bottom in range(4))
            for top in range(4)
        )
        for side in range(2)
    )


MASKS = _masks()


def braille(
    width: int,
    height: int,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    points: Points,
    *,
    hlines: Iterable[float] = (),
    vlines: Iterable[float] = (),
    dashes: Iterable[float] = (),
) -> Picture:
    """The series in braille dots; `hlines` (a gate's limit), `dashes` (what the gate judges,
    a mean) and `vlines` (steps) as rules.

    Rules are box-drawing lines (─ in LIMIT ink, ┄ and │ in MARK ink, ┼ where a limit crosses
    a step) in the cells the series leaves empty, so a rule reads as a line and never as data.
    """
    bits = [[0] * width for _ in range(height)]
    rules = [[""] * width for _ in range(height)]
    x0, x1 = x_range
    y0, y1 = y_range
    if width <= 0 or height <= 0:
        return ()
    for t in vlines:
        if x0 <= t <= x1 and x1 > x0:
            cell = min(int((t - x0) / (x1 - x0) * width), width - 1)
            for ruled in rules:
                ruled[cell] = "│"
    for v in dashes:
        if y0 <= v <= y1 and y1 > y0:
            ruled = rules[round((y1 - v) / (y1 - y0) * (height * 4 - 1)) >> 2]
            ruled[:] = [rule or "┄" for rule in ruled]
    for v in hlines:
        if y0 <= v <= y1 and y1 > y0:
            ruled = rules[round((y1 - v) / (y1 - y0) * (height * 4 - 1)) >> 2]
            ruled[:] = ["┼" if rule == "│" else "─" for rule in ruled]
    for column, span in enumerate(dot_spans(points, x_range, y_range, width * 2, height * 4)):
        if span is None:
            continue
        top, bottom = span
        cell, masks = column >> 1, MASKS[column & 1]
        first, last = top >> 2, bottom >> 2
        for line in range(first, last + 1):
            a = top - 4 * line if line == first else 0
            b = bottom - 4 * line if line == last else 3
            bits[line][cell] |= masks[a][b]
    return tuple(
        _row(line_bits, line_rules) for line_bits, line_rules in zip(bits, rules, strict=True)
    )


RULE_INKS = {"": Ink.BLANK, "│": Ink.MARK, "┄": Ink.MARK, "─": Ink.LIMIT, "┼": Ink.LIMIT}


def _row(bits: list[int], rules: list[str]) -> Row:
    """A line of cells: dots where the series is, else the rule drawn there, else blank."""
    if not any(rules):
        return Row(
            "".join(map(CHARS.__getitem__, bits)), bytes(Ink.SERIES if b else 0 for b in bits)
        )
    text = "".join(CHARS[b] if b or not r else r for b, r in zip(bits, rules, strict=True))
    inks = bytes(Ink.SERIES if b else RULE_INKS[r] for b, r in zip(bits, rules, strict=True))
    return Row(text, inks)
