"""Words written into a drawn plot: the time axis's ends and the steps' names.

They go only where every cell they need is blank, so a label never hides a sample and is never
cut up by one; a label that does not fit where it belongs is left out rather than moved
somewhere it would mislead.
"""

from __future__ import annotations

from tui.render.picture import Ink, Picture, Row

NOW = "◂now"


def span_label(seconds: float) -> str:
    """`45s`, `12m`, `1h30m`: a stretch of time in at most five characters."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if minutes else f"{hours}h"


def write(picture: Picture, line: int, column: int, text: str, ink: Ink) -> Picture:
    """`picture` with `text` from `column` on `line`, if those cells are all blank."""
    if not 0 <= line < len(picture) or column < 0:
        return picture
    row = picture[line]
    end = column + len(text)
    if end > len(row) or row.text[column:end].strip() or any(row.inks[column:end]):
        return picture
    written = Row(
        row.text[:column] + text + row.text[end:],
        row.inks[:column] + bytes([ink]) * len(text) + row.inks[end:],
    )
    return (*picture[:line], written, *picture[line + 1 :])


def column_of(t: float, x_range: tuple[float, float], width: int) -> int | None:
    """The cell a time falls in, or None outside the range."""
    x0, x1 = x_range
    if not (x1 > x0 and x0 <= t <= x1):
        return None
    return min(int((t - x0) / (x1 - x0) * width), width - 1)


def time_axis(picture: Picture, x_range: tuple[float, float], now: float) -> Picture:
    """The window's start (`-15m`, how long before now) at the left of the bottom line, and
    `◂now` just right of where now is (`now` just left of it where the right has no room):
    what a reader needs to place any sample in time. Both keep a blank cell from the plot's
    edges, so two graphs side by side do not run together."""
    if not picture:
        return picture
    width = len(picture[0])
    bottom = len(picture) - 1
    here = column_of(now, x_range, width)
    if here is None:
        return picture
    start = f"-{span_label(now - x_range[0])}"
    picture = write(picture, bottom, 1, start, Ink.AXIS)
    before = picture
    if here + 1 + len(NOW) < width:
        picture = write(picture, bottom, here + 1, NOW, Ink.AXIS)
    if picture is before and here - len(NOW) > len(start) + 1:
        picture = write(picture, bottom, here - len(NOW), "now▸", Ink.AXIS)
    return picture


def step_names(
    picture: Picture, x_range: tuple[float, float], marks: tuple[tuple[float, str], ...]
) -> Picture:
    """Each step's name on the top line, just right of its mark."""
    if not picture:
        return picture
    width = len(picture[0])
    for t, name in marks:
        column = column_of(t, x_range, width)
        if column is not None and name:
            picture = write(picture, 0, column + 1, name, Ink.MARK)
    return picture
