"""The graph renderer: ranges that hold still, dots where the samples are, and cell diffs."""

from __future__ import annotations

import itertools
import math

import pytest
from rich.style import Style

from tui.render.bars import bars, column_peaks
from tui.render.braille import braille, dot_spans
from tui.render.picture import Ink, Row, changed_spans
from tui.render.plot import Plot, draw, y_ticks
from tui.render.scales import (
    NICE_SPANS,
    PAGES,
    nice_step,
    tick_label,
    time_window,
    value_range,
)
from tui.render.strips import to_strip

NOW = 1_800_000_000.0
SPAN = 1800.0


def wave(samples: int, step: float = 10.0, end: float = NOW) -> list[tuple[float, float]]:
    return [(end - step * (samples - 1 - i), 100 + 10 * math.sin(i / 5)) for i in range(samples)]


# time window


def test_a_young_canary_fills_a_round_span_that_holds_still_between_samples():
    start = NOW - 200
    windows = {time_window(start, NOW + 10 * i, SPAN) for i in range(10)}
    assert windows == {(start, start + 300)}, "200 s to 290 s of data: one 5-minute window"


def test_the_window_grows_only_when_the_data_reaches_its_edge():
    start = NOW
    ends = [time_window(start, start + elapsed, SPAN)[1] - start for elapsed in range(0, 1800, 10)]
    assert ends == sorted(ends)
    assert set(ends) <= set(NICE_SPANS)
    for elapsed, end in zip(range(0, 1800, 10), ends, strict=True):
        assert elapsed < end, "the newest sample is always inside the window"
        if elapsed >= 120:
            assert elapsed >= end * 0.6, "past two minutes the data fills most of the width"


def test_a_full_window_pages_forward_a_quarter_at_a_time():
    page = SPAN / PAGES
    seen = []
    for i in range(int(2 * SPAN / 10)):
        now = NOW + 10 * i
        x0, x1 = time_window(None, now, SPAN)
        assert x1 - x0 == SPAN and x0 <= now - SPAN * (PAGES - 1) / PAGES and now <= x1
        if not seen or seen[-1] != (x0, x1):
            seen.append((x0, x1))
    assert all(b[0] - a[0] == page for a, b in itertools.pairwise(seen))
    assert len(seen) <= 2 * PAGES + 1, "moves once per quarter span, not with every sample"


def test_a_canary_older_than_the_span_pages_like_no_canary():
    assert time_window(NOW - 2 * SPAN, NOW, SPAN) == time_window(None, NOW, SPAN)


# value range


def test_a_value_range_is_round_and_holds_every_value():
    low, high = value_range([136.2, 181.0, 214.9])
    assert low <= 136.2 and high >= 214.9
    step = nice_step((214.9 - 136.2) / 4)
    assert low / step == round(low / step) and high / step == round(high / step)


def test_a_value_range_stays_while_the_data_still_fills_it():
    first = value_range([136.0, 214.0])
    assert value_range([150.0, 200.0], first) == first, "noise inside the range keeps it"
    assert value_range([150.0, 230.0], first) != first, "a value outside moves it"
    assert value_range([170.0, 172.0], first) != first, "data shrunk to a sliver rescales"


def test_non_negative_values_never_get_a_negative_axis():
    assert value_range([0.0, 0.0])[0] == 0.0
    assert value_range([0.001, 0.4])[0] == 0.0


def test_a_range_without_finite_values_is_unit_or_kept():
    assert value_range([math.nan, math.inf]) == (0.0, 1.0)
    assert value_range([math.nan], (2.0, 4.0)) == (2.0, 4.0)


@pytest.mark.parametrize(
    ("rough", "step"), [(0.7, 1.0), (1.2, 2.0), (2.2, 2.5), (3.0, 5.0), (19.5, 20.0), (0.0, 1.0)]
)
def test_nice_steps(rough: float, step: float):
    assert nice_step(rough) == pytest.approx(step)


@pytest.mark.parametrize(
    ("value", "label"),
    [(0.0, "0"), (0.5, "0.5"), (0.25, "0.25"), (42.5, "42.5"), (220.0, "220"), (12_000, "12k")],
)
def test_tick_labels_are_short(value: float, label: str):
    assert tick_label(value) == label


# braille


def test_one_sample_is_one_dot():
    spans = dot_spans([(5.0, 1.0)], (0.0, 10.0), (0.0, 1.0), 10, 8)
    assert spans[5] == (0, 0) and sum(s is not None for s in spans) == 1


def test_joined_samples_draw_an_unbroken_line():
    points = [(0.0, 0.0), (10.0, 1.0), (20.0, 0.0)]
    spans = dot_spans(points, (0.0, 20.0), (0.0, 1.0), 21, 12)
    assert all(span is not None for span in spans)
    for a, b in itertools.pairwise(spans):
        assert a is not None and b is not None
        assert b[0] <= a[1] + 1 and a[0] <= b[1] + 1, "each column touches the one before"


def test_a_gap_in_the_data_stays_open():
    points = [(t, 1.0) for t in (0, 10, 20, 30)] + [(t, 1.0) for t in (90, 100, 110)]
    spans = dot_spans(points, (0.0, 110.0), (0.0, 2.0), 110, 8)
    assert spans[60] is None, "40 s to 90 s has no data and must look empty"
    assert spans[15] is not None and spans[95] is not None


def test_many_samples_in_one_column_draw_their_envelope():
    points = [(0.1 * i, v) for i, v in enumerate([0.2, 0.9, 0.5, 0.1])]
    spans = dot_spans(points, (0.0, 10.0), (0.0, 1.0), 10, 11)
    assert spans[0] == (1, 9)


def test_values_beyond_the_range_sit_on_its_edge():
    spans = dot_spans([(0.0, 5.0), (9.0, -5.0)], (0.0, 10.0), (0.0, 1.0), 10, 4)
    assert spans[0] == (0, 0) and spans[9] == (3, 3)


def test_a_flat_series_is_a_row_of_dots_in_series_ink():
    points = [(float(t), 5 / 7) for t in range(11)]  # dot row 2 of 8
    picture = braille(5, 2, (0.0, 10.0), (0.0, 1.0), points)
    assert [row.text for row in picture] == ["⠤⠤⠤⠤⠤", "     "]
    assert set(picture[0].inks) == {Ink.SERIES}


def test_limits_and_step_marks_are_rules_where_the_series_is_not():
    picture = braille(4, 2, (0.0, 8.0), (0.0, 1.0), [(0.0, 1.0)], hlines=[0.0], vlines=[6.0])
    assert [row.text for row in picture] == ["⠁  │", "───┼"]
    assert list(picture[0].inks) == [Ink.SERIES, Ink.BLANK, Ink.BLANK, Ink.MARK]
    assert list(picture[1].inks) == [Ink.LIMIT] * 4


def test_the_series_is_drawn_over_a_rule():
    picture = braille(3, 1, (0.0, 3.0), (0.0, 1.0), [(1.5, 0.0)], hlines=[0.0])
    assert picture[0].text == "─⢀─" and picture[0].inks[1] == Ink.SERIES


def test_a_new_sample_changes_only_the_cells_it_reaches():
    points = wave(120)
    x_range = (NOW - 1190, NOW + 610)
    before = draw(Plot(points[:-1], x_range, (80.0, 120.0)), 80, 10, ticks=True, compact=False)
    after = draw(Plot(points, x_range, (80.0, 120.0)), 80, 10, ticks=True, compact=False)
    spans = changed_spans(before, after)
    assert spans, "the new sample is drawn"
    cells = sum(end - start for _, start, end in spans)
    assert cells <= 6, f"a sample touches a column or two, not {cells} cells"


# block bars


def test_bars_stand_as_high_as_the_highest_sample_in_their_column():
    peaks = column_peaks([(0.0, 1.0), (0.4, 3.0), (5.0, 2.0)], (0.0, 10.0), 10)
    assert peaks[0] == 3.0 and peaks[5] == 2.0
    picture = bars(10, 1, (0.0, 10.0), (0.0, 4.0), [(0.0, 4.0), (9.5, 2.0)])
    assert picture[0].text[0] == "█" and picture[0].text[9] == "▄"


def test_bars_repeat_across_joined_samples_but_not_across_gaps():
    points = [(float(t), 1.0) for t in (0, 2, 4, 6)] + [(20.0, 1.0), (22.0, 1.0)]
    peaks = column_peaks(points, (0.0, 24.0), 24)
    assert peaks[1] == 1.0, "between two samples 2 s apart"
    assert peaks[12] is None, "between 6 s and 20 s nothing was sampled"


# pictures, ticks, strips


def test_changed_spans_cover_exactly_the_cells_that_differ():
    old = (Row("abcdef", bytes(6)), Row("xxxxxx", bytes(6)))
    new = (Row("abXdeY", bytes(6)), Row("xxxxxx", bytes([0, 0, 0, 0, 1, 0])))
    assert changed_spans(old, new) == [(0, 2, 6), (1, 4, 5)]
    assert changed_spans(new, new) == []
    assert changed_spans(old, new[:1]) == [(0, 0, 6)], "another shape is redrawn whole"


def test_y_ticks_label_top_middle_and_bottom():
    gutter = y_ticks((140.0, 220.0), 7)
    assert [row.text.strip() for row in gutter] == ["220", "", "", "180", "", "", "140"]
    assert len({len(row) for row in gutter}) == 1 and gutter[0].text.endswith(" ")


def test_a_plot_is_exactly_its_size_with_or_without_ticks():
    plot = Plot(wave(60), (NOW - 600, NOW), (80.0, 120.0), hlines=(110.0,))
    for ticks, compact, height in ((True, False, 6), (False, False, 6), (True, True, 2)):
        picture = draw(plot, 40, height, ticks=ticks, compact=compact)
        assert len(picture) == height and {len(row) for row in picture} == {40}
    assert draw(plot, 0, 5, ticks=True, compact=False) == ()


def test_a_strip_has_one_segment_per_run_of_ink():
    palette = [Style(), Style(dim=True), Style(), Style(color="red"), Style(color="blue")]
    row = Row("12 ⠤⠤", bytes([Ink.AXIS, Ink.AXIS, Ink.BLANK, Ink.SERIES, Ink.SERIES]))
    strip = to_strip(row, palette)
    assert strip.cell_length == 5
    assert [(s.text, s.style) for s in strip] == [
        ("12", palette[Ink.AXIS]),
        (" ", palette[Ink.BLANK]),
        ("⠤⠤", palette[Ink.SERIES]),
    ]
