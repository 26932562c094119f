"""One graph's picture: the plot (braille, or block bars when there is no room) and its ticks.

This is what a graph widget asks for; everything it needs is in the `Plot`, so the same plot
draws the same picture, and a widget can tell from the picture alone which cells changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tui.render.bars import bars
from tui.render.braille import braille
from tui.render.labels import step_names, time_axis
from tui.render.picture import Picture, Row
from tui.render.scales import tick_label

MIN_BRAILLE_LINES = 5
"""Below this many lines a plot is drawn as block bars."""


@dataclass(frozen=True)
class Plot:
    """What one graph shows; the ranges are chosen by the caller, shared or per side."""

    points: Sequence[tuple[float, float]] = ()
    x_range: tuple[float, float] = (0.0, 1.0)
    y_range: tuple[float, float] = (0.0, 1.0)
    hlines: Sequence[float] = field(default_factory=tuple)
    """Values a gate compares with (a threshold, a mean), drawn across the plot."""
    vlines: Sequence[float] = field(default_factory=tuple)
    """Times of the rollout's step changes, drawn top to bottom."""
    vlabels: Sequence[str] = field(default_factory=tuple)
    """The name of each step change in `vlines`, written beside its mark."""
    dashes: Sequence[float] = field(default_factory=tuple)
    """Values a gate judges (a mean over its window), drawn as dashed rules."""
    now: float | None = None
    """Where now is: the bottom line says how long the window is and where now falls."""


def draw(plot: Plot, width: int, height: int, *, ticks: bool, compact: bool) -> Picture:
    """The plot in `width` x `height` cells, its y ticks on the left when `ticks`."""
    if width <= 0 or height <= 0:
        return ()
    gutter = y_ticks(plot.y_range, height) if ticks and not compact else ()
    area = width - (len(gutter[0]) if gutter else 0)
    if area < 2:
        return tuple(Row.blank(width) for _ in range(height))
    if compact or height < MIN_BRAILLE_LINES:
        picture = bars(area, height, plot.x_range, plot.y_range, plot.points, plot.vlines)
    else:
        picture = braille(
            area,
            height,
            plot.x_range,
            plot.y_range,
            plot.points,
            hlines=plot.hlines,
            vlines=plot.vlines,
            dashes=plot.dashes,
        )
        marks = tuple(zip(plot.vlines, plot.vlabels, strict=False))
        picture = step_names(picture, plot.x_range, marks)
        if plot.now is not None:
            picture = time_axis(picture, plot.x_range, plot.now)
    if not gutter:
        return picture
    return tuple(left + right for left, right in zip(gutter, picture, strict=True))


def y_ticks(y_range: tuple[float, float], height: int) -> Picture:
    """The range's top, middle and bottom values, right-aligned, a space before the plot."""
    low, high = y_range
    labels = {0: tick_label(high), height - 1: tick_label(low)}
    if height >= MIN_BRAILLE_LINES:
        labels[(height * 4 - 1) // 2 // 4] = tick_label((low + high) / 2)
    width = max(len(label) for label in labels.values()) + 1
    return tuple(Row.label(labels.get(y, "") + " ", width) for y in range(height))
