"""The graph widget sends only what changed, and does no work while it is not on screen."""

from __future__ import annotations

import math

from textual.app import App, ComposeResult
from textual.geometry import Region

from tui.widgets.graph import GraphData, MetricGraph

NOW = 1_800_000_000.0
X_RANGE = (NOW - 1200.0, NOW + 600.0)


def data(samples: int) -> GraphData:
    points = [(NOW - 10.0 * (120 - i), 100 + 10 * math.sin(i / 5)) for i in range(samples)]
    return GraphData(points=points, x_range=X_RANGE, y_range=(80.0, 120.0), threshold=115.0)


class OneGraph(App[None]):
    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {"canary": "#ffaf5f"}

    def compose(self) -> ComposeResult:
        yield MetricGraph("canary", id="graph")


def recording(graph: MetricGraph) -> list[tuple[Region, ...]]:
    """Every refresh the graph asks for, by the regions it names (none: the whole widget)."""
    calls: list[tuple[Region, ...]] = []
    refresh = graph.refresh

    def record(*regions: Region, **options: bool) -> MetricGraph:
        calls.append(regions)
        return refresh(*regions, **options)

    graph.refresh = record  # type: ignore[method-assign]
    return calls


async def test_a_new_sample_refreshes_only_the_cells_it_changed():
    app = OneGraph()
    async with app.run_test(size=(80, 12)) as pilot:
        graph = app.query_one(MetricGraph)
        graph.show(data(100))
        await pilot.pause()
        calls = recording(graph)
        draws = graph.draws
        graph.show(data(101))
        await pilot.pause()
        assert graph.draws == draws + 1
        assert len(calls) == 1 and calls[0], "a partial refresh, not the whole widget"
        cells = sum(region.area for region in calls[0])
        assert 0 < cells <= 6, f"one new sample touches a column or two, not {cells} cells"


async def test_the_same_data_again_draws_and_refreshes_nothing():
    app = OneGraph()
    async with app.run_test(size=(80, 12)) as pilot:
        graph = app.query_one(MetricGraph)
        graph.show(data(100))
        await pilot.pause()
        calls = recording(graph)
        draws = graph.draws
        graph.show(data(100))
        await pilot.pause()
        assert graph.draws == draws and calls == []


async def test_a_hidden_graph_draws_when_it_is_shown_again():
    app = OneGraph()
    async with app.run_test(size=(80, 12)) as pilot:
        graph = app.query_one(MetricGraph)
        graph.show(data(100))
        await pilot.pause()
        graph.display = False
        await pilot.pause()
        draws = graph.draws
        for samples in range(101, 111):
            graph.show(data(samples))
            await pilot.pause()
        assert graph.draws == draws, "no drawing while hidden"
        graph.display = True
        await pilot.pause()
        assert graph.draws == draws + 1, "the latest data, drawn once"
        assert "".join(graph.render_line(y).text for y in range(graph.size.height)).strip()


async def test_a_theme_change_recolours_without_drawing_again():
    app = OneGraph()
    async with app.run_test(size=(80, 12)) as pilot:
        graph = app.query_one(MetricGraph)
        graph.show(data(100))
        await pilot.pause()
        draws = graph.draws
        app.theme = "textual-light"
        await pilot.pause()
        assert graph.draws == draws
        limit = next(s for s in graph.render_line(1) if "─" in s.text)
        error = app.theme_variables["error"]
        assert limit.style is not None and limit.style.color is not None
        assert limit.style.color.triplet is not None
        assert limit.style.color.triplet.hex.lower() == error.lower()


async def test_a_graph_under_other_screens_draws_when_they_close():
    from textual.screen import Screen

    app = OneGraph()
    async with app.run_test(size=(80, 12)) as pilot:
        graph = app.query_one(MetricGraph)
        graph.show(data(100))
        await pilot.pause()
        draws = graph.draws
        await app.push_screen(Screen())
        await app.push_screen(Screen())
        await pilot.pause()
        assert not graph.screen.is_current
        graph.show(data(101))
        await pilot.pause()
        assert graph.draws == draws, "nobody can see it"
        app.pop_screen()
        app.pop_screen()
        await pilot.pause()
        assert graph.draws == draws + 1
