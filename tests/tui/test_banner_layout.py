"""A banner that comes with an outage leaves the metric rows as they were: graphs stay graphs,
every row keeps its height, and the banner's line comes from the events or the band's rule."""

from __future__ import annotations

import pytest

from backends.clock import VirtualClock
from tests.helpers.flaky import flaky_app
from tests.helpers.tui_helpers import screen_lines
from tui.app import RollwatchApp
from tui.virtual_app import settle
from tui.widgets.gates_panel import GatesPanel
from tui.widgets.link_banner import LinkBanner
from tui.widgets.metric_row import MetricRow

GATES = ("p99 latency", "errors", "p50 latency", "error rate")


def rows(app: RollwatchApp) -> list[tuple[str, bool, bool, int]]:
    """Each row as the eye takes it in: shown or not, bars or graphs, and how tall."""
    return [
        (row.window.spec.name, bool(row.display), row.compact, row.region.height)
        for row in app.screen.query(MetricRow)
    ]


def every_gate_shown(app: RollwatchApp, height: int) -> None:
    lines = screen_lines(app)
    verdict = next(i for i, line in enumerate(lines) if "verdict" in line)
    for gate in GATES:
        assert any(gate in line for line in lines[verdict + 1 : -1]), f"{gate} on screen"
    assert app.screen.max_scroll_y == 0
    assert app.screen.query_one(GatesPanel).region.bottom <= height - 1


@pytest.mark.parametrize(
    "size",
    [(120, 36), (120, 35), (120, 37), (100, 30), (160, 48), (80, 24)],
    ids=["120x36", "120x35", "120x37", "100x30", "160x48", "80x24"],
)
async def test_an_outage_banner_leaves_the_rows_as_they_were(
    clock: VirtualClock, size: tuple[int, int]
) -> None:
    app, _, store = flaky_app(clock)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, clock)
        before = rows(app)
        assert all(shown for _, shown, _, _ in before), "every row fits at these sizes"
        store.fail = True
        await settle(pilot, clock, 10)
        banner = app.screen.query_one(LinkBanner)
        assert banner.display and banner.region.height == 1, "a one-line banner"
        assert rows(app) == before, "the same rows, in the same form, at the same heights"
        every_gate_shown(app, size[1])
        store.fail = False
        await settle(pilot, clock, 120)
        assert not banner.display
        assert rows(app) == before
        lines = screen_lines(app)
        verdict = next(i for i, line in enumerate(lines) if "verdict" in line)
        assert lines[verdict - 1].startswith("────"), "the band's rule is back"


async def test_at_120x36_the_graphs_stay_graphs_through_an_outage(clock: VirtualClock) -> None:
    app, _, store = flaky_app(clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, clock)
        assert not any(compact for _, _, compact, _ in rows(app)), "graphs before"
        store.fail = True
        for _ in range(4):
            await settle(pilot, clock, 10)
            assert app.screen.query_one(LinkBanner).display
            assert not any(compact for _, _, compact, _ in rows(app)), "graphs during"
            lines = screen_lines(app)
            assert sum(line.count("now") for line in lines) >= 9, "every graph draws its axis"
