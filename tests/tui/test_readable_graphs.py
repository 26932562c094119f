"""Graphs a person can read without asking: a time axis, the steps marked and named on every
graph, a number beside each graph that says what it is and is what the gate judges, the rules
the gate compares with, and a scale that does not flatten a 5 % canary into its floor."""

from __future__ import annotations

import math

from backends.clock import VirtualClock
from backends.model import Expectation, Role
from tests.helpers.tui_helpers import screen_lines
from tui.judge.specs import ThresholdGate
from tui.judge.stats.sample import aggregate
from tui.virtual_app import demo_app, settle
from tui.widgets.graph import MetricGraph
from tui.widgets.metric_row import MetricRow

PRIMARY = "shop/checkout-api"


def rows(app) -> dict[str, MetricRow]:  # type: ignore[no-untyped-def]
    return {row.window.spec.name: row for row in app.screen.query(MetricRow)}


async def test_every_graph_has_a_time_axis_and_the_steps_marked(clock: VirtualClock) -> None:
    app, sim = demo_app(clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot, clock)
        await sim.promote(PRIMARY, expect=Expectation.of(await sim.get_rollout(PRIMARY)))
        await settle(pilot, clock, 20)
        for name, row in rows(app).items():
            for graph in row.query(MetricGraph):
                if not graph.display:
                    continue
                data = graph._data
                assert data.now == clock.now().timestamp(), f"{name} {graph.id}: now is set"
                assert len(data.markers) == 2, f"{name} {graph.id}: both step changes marked"
                assert list(data.marker_names) == ["2 confirm", "3 10%"]
        lines = screen_lines(app)
        named = sum(line.count("│3 10%") for line in lines)
        assert 7 <= named <= 9, "named on the graphs (a name gives way to a sample in its cells)"
        assert sum(line.count("now") for line in lines) >= 9, "now on every graph"


async def test_the_number_beside_a_graph_is_the_one_its_gate_judges(clock: VirtualClock) -> None:
    app, _ = demo_app(clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot, clock, 20)
        row = rows(app)["error rate"]
        spec = row.gate_spec
        assert isinstance(spec, ThresholdGate) and spec.aggregate == "mean"
        now = clock.now().timestamp()
        recent = [
            v
            for t, v in row.window.window(Role.CANARY).points
            if t > now - spec.window.total_seconds() and math.isfinite(v)
        ]
        judged = aggregate(recent, "mean")
        canary = row.query_one("#canary", MetricGraph)._data
        assert canary.judged is not None and math.isclose(canary.judged, judged, rel_tol=1e-6)
        assert canary.threshold == 1.0, "the gate's limit, drawn beside what it judges"
        label = str(row.query_one("#label").render())
        assert "canary last" in label and "stable last" in label, "the samples say they are last"
        assert f"5m mean {judged:.3f}" in label, "the gate's own number beside the badge"
        gate = app.session.judgement and next(
            g for g in app.session.judgement.gates if g.name == "error rate"
        )
        assert gate and f"{judged:.3g}" in gate.explanation.replace("0.", "0."), (
            "the gate's line says the same number"
        )


async def test_a_5_percent_canary_gets_a_scale_of_its_own(clock: VirtualClock) -> None:
    app, _ = demo_app(clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, clock, 20)
        requests = rows(app)["requests"]
        stable = requests.query_one("#stable", MetricGraph)._data
        canary = requests.query_one("#canary", MetricGraph)._data
        assert stable.own_scale and canary.own_scale
        top = max(v for _, v in canary.points)
        low, high = canary.y_range
        assert (top - low) / (high - low) > 0.5, "the canary fills its graph, not its floor"
        latency = rows(app)["p99 latency"]
        pair = [latency.query_one(f"#{side}", MetricGraph)._data for side in ("stable", "canary")]
        assert not pair[0].own_scale and pair[0].y_range == pair[1].y_range, "alike: one scale"
