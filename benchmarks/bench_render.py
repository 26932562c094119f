"""What drawing and polling cost: the streaming graph's candidates, a tick with nothing new, a poll.

Run with `pytest benchmarks/bench_render.py --benchmark-only`. The graph numbers are per graph;
a 160x48 watch screen has nine of them, each drawn when its data, size or theme changed.

The candidates draw one graph of the watch screen (a 76x14 plot, 300 samples, y ticks, a
threshold line), from data to what Textual puts on screen (strips or Rich text):

- `ours`: tui.render's braille plot (per dot column min/max, joined), as the app draws it;
- `plotext`: the plotext figure textual-plotext wraps, built and turned into Rich text;
- `textual_plot`: textual-plot's PlotWidget (a native Textual widget) drawing into its canvas.

The ones whose package is not installed are skipped: plotext 6 and textual-plot are measured by
running this file in a scratch environment that has them (see the README).
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import importlib.util
import math
from datetime import UTC, datetime

import pytest
from rich.style import Style
from rich.text import Text

from backends.clock import VirtualClock
from backends.simulator.adapter import Simulator, SimulatorOptions
from tui.render.picture import Ink
from tui.render.plot import Plot, draw
from tui.render.strips import to_strip
from tui.session.demo import demo_session

NOW = 1_800_000_000.0
WIDTH, HEIGHT = 76, 14
SAMPLES = 300
LOW, HIGH, LIMIT = 140.0, 220.0, 200.0
PALETTE = [Style(), Style(color="grey50"), Style(color="grey50"), Style(color="red")]
PALETTE.append(Style(color="#ffaf5f"))


def series(samples: int = SAMPLES) -> list[tuple[float, float]]:
    """p99 latency at 10 s resolution: a slow wave with noise-like wiggles."""
    return [
        (NOW - 10.0 * (samples - i), 180 + 20 * math.sin(i / 23) + 6 * math.sin(i * 1.7))
        for i in range(samples)
    ]


def plot(samples: int = SAMPLES) -> Plot:
    points = series(samples)
    return Plot(points, (points[0][0], NOW), (LOW, HIGH), hlines=(LIMIT,))


def test_candidate_ours(benchmark):
    graph = plot()

    def render() -> list[object]:
        picture = draw(graph, WIDTH, HEIGHT, ticks=True, compact=False)
        return [to_strip(row, PALETTE) for row in picture]

    strips = benchmark(render)
    assert len(strips) == HEIGHT
    picture = draw(graph, WIDTH, HEIGHT, ticks=True, compact=False)
    assert any(Ink.SERIES in row.inks for row in picture)
    benchmark.extra_info["picture"] = "\n".join(row.text for row in picture)


def test_candidate_ours_600_samples_in_76_columns(benchmark):
    """Twice the samples of dot columns: every column an envelope."""
    graph = plot(600)
    picture = benchmark(draw, graph, WIDTH, HEIGHT, ticks=True, compact=False)
    assert len(picture) == HEIGHT


def test_candidate_ours_bars_76x2(benchmark):
    """The compact rows of small terminals: block bars."""
    graph = plot()
    picture = benchmark(draw, graph, WIDTH, 2, ticks=False, compact=True)
    assert len(picture) == 2


def _plotext_major() -> int:
    try:
        return int(importlib.metadata.version("plotext").split(".")[0])
    except importlib.metadata.PackageNotFoundError:
        return 0


@pytest.mark.skipif(_plotext_major() != 5, reason="plotext 5 (textual-plotext's) not installed")
def test_candidate_plotext5(benchmark):
    """The plotext figure as textual-plotext drives it: build, then ANSI into Rich text."""
    from textual_plotext.plot import Plot as Figure

    points = series()
    xs, ys = [t for t, _ in points], [v for _, v in points]
    figure = Figure()

    def render() -> Text:
        figure.clear_data()
        figure.plotsize(WIDTH, HEIGHT)
        figure.frame(False)
        figure.xticks([])
        figure.xlim(xs[0], xs[-1])
        figure.ylim(LOW, HIGH)
        figure.yticks([LOW, (LOW + HIGH) / 2, HIGH])
        figure.hline(LIMIT, (200, 60, 60))
        figure.plot(xs, ys, marker="braille", color=(255, 175, 95))
        return Text.from_ansi(figure.build(), no_wrap=True)

    text = benchmark(render)
    assert len(text.plain.splitlines()) == HEIGHT
    benchmark.extra_info["picture"] = text.plain


@pytest.mark.skipif(_plotext_major() < 6, reason="plotext 6 not installed")
def test_candidate_plotext6(benchmark):
    """plotext 6's explicit figure: a braille signal with lines, built, then into Rich text."""
    import plotext

    points = series()
    xs, ys = [t - NOW for t, _ in points], [v for _, v in points]
    figure = plotext.figure

    def render() -> Text:
        figure.clear()
        figure.plot_size(WIDTH, HEIGHT)
        signal = figure.signal(xs, ys, marker="braille")
        signal.lines()
        figure.draw(signal)
        return Text.from_ansi(figure.build().string(), no_wrap=True)

    text = benchmark(render)
    assert len(text.plain.splitlines()) == HEIGHT
    benchmark.extra_info["picture"] = text.plain


@pytest.mark.skipif(
    not importlib.util.find_spec("textual_plot"), reason="textual-plot not installed"
)
async def test_candidate_textual_plot(benchmark):
    """textual-plot's PlotWidget in a running app: replot, draw into the canvas, read its lines."""
    from textual.app import App, ComposeResult
    from textual_plot import HiResMode, PlotWidget

    points = series()
    xs, ys = [t - NOW for t, _ in points], [v for _, v in points]

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield PlotWidget()

    app = One()
    async with app.run_test(size=(WIDTH + 4, HEIGHT + 4)) as pilot:
        widget = app.query_one(PlotWidget)
        await pilot.pause()
        canvas = widget.query_one("#plot")

        def render() -> list[object]:
            widget.clear()
            widget.plot(xs, ys, line_style="#ffaf5f", hires_mode=HiResMode.BRAILLE)
            widget.set_ylimits(LOW, HIGH)
            widget._render_plot()
            return [canvas.render_line(y) for y in range(canvas.size.height)]

        strips = benchmark(render)
        assert strips
        benchmark.extra_info["picture"] = "\n".join(strip.text for strip in strips)


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
