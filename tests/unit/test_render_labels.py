"""Words in a plot: the time axis's ends, the steps' names, and the rules a gate judges by."""

from __future__ import annotations

import pytest

from tui.render.bars import bars
from tui.render.braille import braille
from tui.render.labels import span_label, step_names, time_axis, write
from tui.render.picture import Ink, Row
from tui.render.plot import Plot, draw

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("seconds", "label"),
    [(0, "0s"), (45, "45s"), (60, "1m"), (890, "15m"), (3600, "1h"), (5400, "1h30m")],
)
def test_spans_are_short(seconds: float, label: str) -> None:
    assert span_label(seconds) == label


def test_a_label_goes_only_where_every_cell_is_blank() -> None:
    picture = (Row("ab    ", bytes([Ink.SERIES, Ink.SERIES, 0, 0, 0, 0])),)
    assert write(picture, 0, 2, "now", Ink.AXIS)[0].text == "abnow "
    assert write(picture, 0, 1, "now", Ink.AXIS) == picture, "it would hide a sample"
    assert write(picture, 0, 4, "now", Ink.AXIS) == picture, "it would run off the edge"
    assert write(picture, 0, 2, "now", Ink.AXIS)[0].inks[2:5] == bytes([Ink.AXIS] * 3)


def test_the_time_axis_says_how_long_the_window_is_and_where_now_falls() -> None:
    x_range = (NOW - 900, NOW + 300)
    picture = tuple(Row.blank(40) for _ in range(5))
    bottom = time_axis(picture, x_range, NOW)[-1].text
    assert bottom.startswith(" -15m")
    now_column = int(900 / 1200 * 40)
    assert bottom[now_column + 1 : now_column + 5] == "◂now", "in the future's blank cells"
    full = (NOW - 1190, NOW + 10)
    bottom = time_axis(picture, full, NOW)[-1].text
    assert bottom.rstrip().endswith("now▸"), "left of now where the right has no room"


def test_each_step_mark_is_named_beside_it() -> None:
    x_range = (NOW - 600, NOW)
    picture = braille(40, 5, x_range, (0.0, 1.0), (), vlines=(NOW - 300,))
    named = step_names(picture, x_range, ((NOW - 300, "3 10%"),))
    assert named[0].text[20:26] == "│3 10%"
    assert all(row.text[20] == "│" for row in named)


def test_what_a_gate_judges_is_a_dashed_rule_under_its_limit() -> None:
    picture = braille(10, 5, (0.0, 1.0), (0.0, 10.0), (), hlines=(10.0,), dashes=(0.0,))
    assert picture[0].text == "─" * 10 and set(picture[0].inks) == {Ink.LIMIT}
    assert picture[-1].text == "┄" * 10 and set(picture[-1].inks) == {Ink.MARK}


def test_bars_mark_the_steps_where_no_bar_stands() -> None:
    points = [(float(t), 1.0) for t in range(0, 5)]
    picture = bars(10, 2, (0.0, 10.0), (0.0, 1.0), points, vlines=(7.0,))
    assert all(row.text[7] == "│" and row.inks[7] == Ink.MARK for row in picture)
    assert picture[-1].text[:5] == "█" * 5, "a bar is never overdrawn"


def test_a_plot_with_now_has_its_time_axis_and_one_without_has_none() -> None:
    points = [(NOW - 600 + 10 * i, 5.0) for i in range(60)]
    plot = Plot(points, (NOW - 600, NOW + 200), (0.0, 10.0), now=NOW)
    assert "-10m" in draw(plot, 60, 6, ticks=True, compact=False)[-1].text
    bare = Plot(points, (NOW - 600, NOW + 200), (0.0, 10.0))
    assert "now" not in draw(bare, 60, 6, ticks=True, compact=False)[-1].text
