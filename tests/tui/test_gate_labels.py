"""The words beside the badge say what the gate judged, in the gate's own number, and fit.

A count, continuous, compare or rate gate judges canary against stable over many samples; its
metric's row writes the gate's estimate of that beside the badge, read back here from the
screen and checked against the result the gate returned.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta

import pytest
from textual.app import App, ComposeResult

from backends.clock import VirtualClock
from backends.model import Point, Role
from tests.helpers.gate_data import NOW, errors, latency, noisy
from tests.helpers.tui_helpers import screen_lines
from tui.judge.data import MetricData
from tui.judge.result import Estimate, JudgedGate
from tui.judge.specs import (
    CompareGate,
    ContinuousGate,
    CountGate,
    GateSpec,
    RateGate,
)
from tui.judge.text import estimate_text
from tui.judge.verdict import evaluate_gate
from tui.session.windows import MetricWindow
from tui.virtual_app import demo_app, settle
from tui.widgets.metric_row import MetricRow

N = 60


def latency_of(factor: float) -> dict[str, MetricData]:
    """The canary's latency `factor` times stable's, give or take the noise."""
    return latency(noisy(1, N, 180 * factor), noisy(2, N, 180))


def errors_of(canary: float) -> dict[str, MetricData]:
    """Errors per second: stable 0.2 % of 200 requests a second, the canary's of 5 as given."""
    return errors(noisy(3, N, canary), noisy(4, N, 0.4))


COUNT = CountGate(name="errors", numerator="errors", denominator="requests")
RATE = RateGate(name="errors", numerator="errors", denominator="requests")
CONTINUOUS = ContinuousGate(name="p99", metric="p99 latency", allowed_increase=1.1)
COMPARE = CompareGate(name="p99", metric="p99 latency")
CASES = [
    (COUNT, errors_of(0.0105), "rates"),
    (COUNT, errors_of(0.06), "rates"),
    (RATE, errors_of(0.011), "rates"),
    (CONTINUOUS, latency_of(1.04), "values"),
    (CONTINUOUS, latency_of(1.5), "values"),
    (COMPARE, latency_of(0.97), "values"),
    (COMPARE, latency_of(1.3), "values"),
]


class RowApp(App[None]):
    """One metric's row on a screen of its own."""

    def __init__(self, window: MetricWindow) -> None:
        super().__init__()
        self.window = window

    def compose(self) -> ComposeResult:
        yield MetricRow(self.window)


def window_of(data: MetricData) -> MetricWindow:
    """The row's samples: the very ones the gate judged."""
    window = MetricWindow(data.spec, timedelta(minutes=15))
    for role, points in ((Role.STABLE, data.stable), (Role.CANARY, data.canary)):
        window.window(role).extend(Point(t=t, v=v) for t, v in points)
    return window


def number_in(words: str, estimate: Estimate) -> float:
    """The label's number, as the ratio it writes: 'ratio 1.08×', '+3% vs stable'."""
    if estimate.of == "rates":
        found = re.search(r"ratio ([\d,.]+)×", words)
        assert found, words
        return float(found[1].replace(",", ""))
    found = re.search(r"(±0|[+-]\d+(?:\.\d)?)% vs stable", words)
    assert found, words
    return 1 + float(found[1].replace("±", "")) / 100


@pytest.mark.parametrize(("gate", "data", "of"), CASES)
async def test_the_label_shows_the_gates_own_estimate(
    gate: GateSpec, data: dict[str, MetricData], of: str
) -> None:
    result = evaluate_gate(gate, data, NOW)
    assert isinstance(result, JudgedGate) and result.estimate is not None
    assert result.estimate.of == of
    shown = data["errors" if of == "rates" else "p99 latency"]
    app = RowApp(window_of(shown))
    async with app.run_test(size=(120, 36)) as pilot:
        row = app.query_one(MetricRow)
        row.update_window((NOW - 900, NOW), [], NOW)
        row.set_gate(result, gate)
        await pilot.pause()
        lines = screen_lines(app)
    mark = {"Pass": "✔", "High": "✖"}[result.classification or ""]
    words = f"{mark} {estimate_text(result.estimate)}"
    assert any(line.startswith(f" {words} ") for line in lines), f"{words!r} on screen, whole"
    shown_ratio = number_in(words, result.estimate)
    assert math.isclose(shown_ratio, result.estimate.ratio, rel_tol=5e-3, abs_tol=5e-4)


async def test_the_demos_latency_row_says_its_gates_estimate_at_120x36(
    clock: VirtualClock,
) -> None:
    app, _ = demo_app(clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, clock, 20)
        judgement = app.session.judgement
        assert judgement is not None
        gate = next(g for g in judgement.gates if g.name == "p99 latency")
        assert gate.estimate is not None, "a continuous gate past its first pairs"
        words = f"✔ {estimate_text(gate.estimate)}"
        row = next(r for r in app.screen.query(MetricRow) if r.window.spec.name == "p99 latency")
        lines = screen_lines(app)
        assert lines[row.region.y + 3].startswith(f" {words} "), "under the two last values"
        assert math.isclose(number_in(words, gate.estimate), gate.estimate.ratio, abs_tol=5e-4)


async def test_at_80x24_a_bar_row_keeps_its_mark_and_name(clock: VirtualClock) -> None:
    app, _ = demo_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, clock, 20)
        row = next(r for r in app.screen.query(MetricRow) if r.window.spec.name == "p99 latency")
        assert row.compact
        assert screen_lines(app)[row.region.y].startswith(" ✔ p99 latency ")
