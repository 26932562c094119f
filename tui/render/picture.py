"""A drawn graph as plain cells: one character and one ink per cell.

Drawing produces pictures, not Rich objects, so that two pictures compare cheaply and only the
cells that differ are sent to the terminal; a palette turns inks into styles at the very end
(`tui.render.strips`), which is also the only step a theme change repeats.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Ink(IntEnum):
    """What a cell shows; where two overlap in one cell, the higher value colours it."""

    BLANK = 0
    AXIS = 1
    """Tick labels and the time axis."""
    MARK = 2
    """The rollout's step changes."""
    LIMIT = 3
    """What a gate compares with: a threshold, a mean."""
    SERIES = 4


@dataclass(frozen=True)
class Row:
    """One line of cells: `text` has one character per cell, `inks` one Ink value per cell."""

    text: str
    inks: bytes

    @classmethod
    def blank(cls, width: int) -> Row:
        return cls(" " * width, bytes(width))

    @classmethod
    def label(cls, text: str, width: int, ink: Ink = Ink.AXIS) -> Row:
        """`text` right-aligned in `width` cells (cut from the left when too long)."""
        text = text[-width:].rjust(width) if width else ""
        return cls(text, bytes(ink if c != " " else Ink.BLANK for c in text))

    def __add__(self, other: Row) -> Row:
        return Row(self.text + other.text, self.inks + other.inks)

    def __len__(self) -> int:
        return len(self.text)


Picture = tuple[Row, ...]


def changed_spans(old: Picture, new: Picture) -> list[tuple[int, int, int]]:
    """`(y, start, end)` of the cells that differ on each line, end exclusive.

    A picture of another shape differs everywhere: every line of `new` is returned whole.
    """
    if len(old) != len(new) or any(len(a) != len(b) for a, b in zip(old, new, strict=True)):
        return [(y, 0, len(row)) for y, row in enumerate(new)]
    spans = []
    for y, (before, after) in enumerate(zip(old, new, strict=True)):
        if before == after:
            continue
        width = len(after)
        start = 0
        while (
            start < width
            and before.text[start] == after.text[start]
            and before.inks[start] == after.inks[start]
        ):
            start += 1
        end = width
        while end > start and (
            before.text[end - 1] == after.text[end - 1]
            and before.inks[end - 1] == after.inks[end - 1]
        ):
            end -= 1
        spans.append((y, start, end))
    return spans
