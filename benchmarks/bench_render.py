"""What drawing and polling cost: a graph's draw, a tick with nothing new, a full poll.

Run with `pytest benchmarks --benchmark-only`. The graph numbers are per graph; a 120x36 watch
screen has ten of them, and each is drawn only when its data, size or theme changed.
"""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime

import pytest

from backends.clock import VirtualClock
from backends.simulator.adapter import Simulator, SimulatorOptions
from tui.session.demo import demo_session
from tui.widgets.graph import GraphData, MetricGraph, spark_text

NOW = 1_800_000_000.0
POINTS = 600


def data() -> GraphData:
    points = [(NOW - 10.0 * (POINTS - i), 180 + 20 * math.sin(i / 7)) for i in range(POINTS)]
    return GraphData(points=points, x_range=(points[0][0], NOW), y_range=(150.0, 210.0))


def test_spark_draw_76x2(benchmark):
    graph = data()
    text = benchmark(spark_text, graph, 76, 2, "#ffaf5f")
    assert len(text.plain.splitlines()) == 2


def test_braille_draw_76x14(benchmark):
    """The plotext build plus the ANSI-to-Text conversion, the costly path."""

    class Standalone(MetricGraph):
        """A graph outside an app: the theme variables it reads are given here."""

        @property
        def app(self):
            class _App:
                theme = "textual-dark"
                theme_variables = {"canary": "#ffaf5f", "surface": "#1e1e1e"}

            return _App()

    graph = Standalone("canary")
    graph._data = data()
    text = benchmark(graph._braille, 76, 14, "#ffaf5f")
    assert len(text.plain.splitlines()) == 14


@pytest.fixture
def polled_session():
    loop = asyncio.new_event_loop()
    clock = VirtualClock(datetime(2026, 11, 27, 14, 0, tzinfo=UTC))
    sim = Simulator(clock, SimulatorOptions(scenario="latency-regression"))
    session = demo_session(sim)
    loop.run_until_complete(session.snapshot())
    yield loop, session, clock
    loop.close()


def test_tick_with_no_new_data(benchmark, polled_session):
    """The session's poll when no new sample is due: it must cost next to nothing."""
    loop, session, _ = polled_session
    benchmark(lambda: loop.run_until_complete(session.refresh_metrics()))
    assert session.windows["p99 latency"].error is None


def test_poll_with_one_new_sample_and_judge(benchmark, polled_session):
    """One 10 s step: a new sample per metric, the windows updated, all gates judged."""
    loop, session, clock = polled_session

    def step() -> None:
        loop.run_until_complete(clock.advance(10))
        loop.run_until_complete(session.refresh_metrics())

    benchmark.pedantic(step, rounds=30, iterations=1)
    assert session.judgement is not None
