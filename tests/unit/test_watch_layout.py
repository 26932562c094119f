"""How the watch screen's lines are shared out, at every size: a banner takes its lines from
what the rows leave over before it takes any from the rows."""

from __future__ import annotations

import pytest

from tui.screens.layout import BORDER, CHROME, plan

GATED = [False, True, True, True, False]
"""The demo's rows: requests, error rate, p50, p99, and the ungated db p99."""
SIZES = [(w, h) for w in (60, 80, 100, 120, 160, 200) for h in range(12, 64)]


def rows(width: int, height: int, gates: int, banner: int = 0) -> tuple[object, ...]:
    layout = plan(width, height, gated=GATED, gates=gates, banner=banner)
    return layout.shown, layout.row_height, layout.plots


@pytest.mark.parametrize("gates", [2, 4, 8])
def test_a_one_line_banner_never_changes_the_rows(gates: int) -> None:
    for width, height in SIZES:
        assert rows(width, height, gates, banner=1) == rows(width, height, gates), (width, height)


def test_at_120x36_the_banner_takes_the_bands_rule_and_the_graphs_stay() -> None:
    quiet = plan(120, 36, gated=GATED, gates=4)
    outage = plan(120, 36, gated=GATED, gates=4, banner=1)
    assert quiet.plots and quiet.row_height == 5 and quiet.rule
    assert (outage.plots, outage.row_height, outage.shown) == (True, 5, quiet.shown)
    assert not outage.rule, "the rule gives way: the gates need every line of the band"
    assert outage.bottom == quiet.bottom - BORDER
    assert outage.gates == 1 + 4


@pytest.mark.parametrize("size", [(120, 37), (100, 30), (80, 24)])
def test_where_the_events_have_a_line_to_spare_the_banner_takes_it(
    size: tuple[int, int],
) -> None:
    quiet = plan(*size, gated=GATED, gates=4)
    outage = plan(*size, gated=GATED, gates=4, banner=1)
    assert outage.rule
    assert outage.bottom == quiet.bottom - 1
    assert outage.events == quiet.events - 1 and outage.gates == quiet.gates


@pytest.mark.parametrize("banner", [0, 1, 2])
def test_every_line_is_given_out_once(banner: int) -> None:
    for width, height in SIZES:
        layout = plan(width, height, gated=GATED, gates=4, banner=banner)
        used = CHROME + layout.banner + len(layout.shown) * layout.row_height + layout.bottom
        assert used == height, (width, height)


def test_a_banner_too_tall_for_what_is_spare_shrinks_the_rows_and_keeps_the_rule() -> None:
    outage = plan(120, 36, gated=GATED, gates=4, banner=2)
    assert outage.rule and outage.row_height == 4 and not outage.plots
    assert len(outage.shown) == len(GATED), "every row still shown, as bars"
