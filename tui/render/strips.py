"""Pictures into Textual strips: the one step that knows about styles and the terminal."""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from tui.render.picture import Row


def to_strip(row: Row, palette: Sequence[Style]) -> Strip:
    """One segment per run of cells in the same ink, styled by `palette[ink]`."""
    segments = []
    inks = row.inks
    start = 0
    for end in range(1, len(inks) + 1):
        if end == len(inks) or inks[end] != inks[start]:
            segments.append(Segment(row.text[start:end], palette[inks[start]]))
            start = end
    return Strip(segments, len(inks))
