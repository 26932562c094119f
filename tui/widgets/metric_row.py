"""One metric: its name, latest values, gate badge, and stable and canary side by side.

Both graphs share one x-range (the screen's time window, its start and "now" written on the
bottom line) and the rollout's step changes, marked and named on every graph. They share one
y-range (round numbers around the pair's extremes, kept while the data still fills them) so the
eye compares them without reading ticks, unless the two sides are too far apart for one scale
to say anything about the smaller (a 5 % canary's request rate): then each has its own, with
its own ticks. The canary's graph draws what its gate compares: the limit as a rule and, for a
gate on an aggregate over a window, that aggregate as a dashed rule, the number the label
shows beside the badge. A gate that compares the canary with stable over all its samples (a
count, continuous, compare or rate gate) has no value of the metric to draw: the label shows
its own estimate of canary against stable instead ("ratio 1.08×", "+3% vs stable"). A
dependency metric gets one wide graph.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.geometry import Region
from textual.widgets import Static

from backends.model import GateResult, GateStatus, Role
from tui import format
from tui.judge.result import JudgedGate
from tui.judge.specs import GateSpec, RelativeGate, ThresholdGate
from tui.judge.stats.sample import aggregate
from tui.judge.text import estimate_text
from tui.render.labels import span_label
from tui.render.scales import value_range
from tui.session.windows import MetricWindow
from tui.theme import theme_color
from tui.widgets.graph import GraphData, MetricGraph

BADGES = {
    GateStatus.PASS: ("✔ pass", "success"),
    GateStatus.MARGINAL: ("~ marginal", "warning"),
    GateStatus.FAIL: ("✖ fail", "error"),
    GateStatus.PENDING: ("… pending", "secondary"),
}


def badge(gate: GateResult | None) -> tuple[str, str]:
    """The badge text and theme variable for a gate; no gate reads as a dash."""
    if gate is None:
        return "· no gate", "foreground-muted"
    return BADGES[gate.status]


class MetricLabel(Static):
    """Name, latest values and badge; a new sample rewrites only the lines that changed."""

    DEFAULT_CSS = """
    MetricLabel {
        width: 20; height: 1fr; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = Text()
        self._lines: list[Text] = []

    def show(self, text: Text) -> None:
        lines = list(text.split("\n", allow_blank=True))
        if len(lines) != len(self._lines):
            self.refresh()
        else:
            width = self.size.width
            changed = [y for y, (a, b) in enumerate(zip(self._lines, lines, strict=True)) if a != b]
            if changed:
                self.refresh(*(Region(0, y, width, 1) for y in changed))
        self._text, self._lines = text, lines

    def render(self) -> Text:
        return self._text


class MetricRow(Horizontal):
    """A metric's row; `update_window` is called only when its data changed."""

    DEFAULT_CSS = """
    MetricRow { height: 6; }
    MetricRow > MetricLabel { border-right: vkey $panel-lighten-2; }
    MetricRow.dependency MetricGraph#canary { display: none; }
    """

    def __init__(self, window: MetricWindow) -> None:
        super().__init__(classes="" if window.spec.split else "dependency")
        self.window = window
        self.gate: GateResult | None = None
        self.compact = False
        self.gate_spec: GateSpec | None = None
        self._drawn: tuple[tuple[float, float], list[tuple[float, str]], float] | None = None
        """The x-range, marks and now of the last draw, to redraw when only the gate changed."""
        self._y_ranges: dict[str, tuple[float, float]] = {}

    def compose(self) -> ComposeResult:
        yield MetricLabel(id="label")
        yield MetricGraph("stable" if self.window.spec.split else "dependency", id="stable")
        yield MetricGraph("canary", ticks=False, id="canary")

    def on_mount(self) -> None:
        self._label()

    def update_window(
        self, x_range: tuple[float, float], marks: list[tuple[float, str]], now: float
    ) -> None:
        self._drawn = (x_range, marks, now)
        split = self.window.spec.split
        series = {role: self.window.window(role).points for role in self.window.roles}
        threshold = self.gate.threshold if self.gate else None
        judged = self.judged(now)
        extra = [v for v in (threshold, judged) if v is not None]
        own = split and apart(series.get(Role.STABLE, ()), series.get(Role.CANARY, ()))
        graphs = ("stable", "canary") if split else ("stable",)
        shared = self._range("shared", [v for p in series.values() for _, v in p] + extra)
        for graph_id, role in zip(graphs, self.window.roles, strict=False):
            judges = role != Role.STABLE or not split
            y_range = shared
            if own:
                values = [v for _, v in series[role]] + (extra if judges else [])
                y_range = self._range(graph_id, values)
            self.query_one(f"#{graph_id}", MetricGraph).show(
                GraphData(
                    points=series[role],
                    x_range=x_range,
                    y_range=y_range,
                    threshold=threshold if judges else None,
                    markers=tuple(t for t, _ in marks),
                    marker_names=tuple(name for _, name in marks),
                    judged=judged if judges else None,
                    now=now,
                    own_scale=own,
                )
            )
        self._label()

    def _range(self, key: str, values: list[float]) -> tuple[float, float]:
        """A y range kept per graph (or for the pair), so noise does not rescale it."""
        kept = self._y_ranges.get(key)
        self._y_ranges[key] = value_range(values, kept)
        return self._y_ranges[key]

    def judged(self, now: float) -> float | None:
        """What the gate judges, where it is an aggregate of the canary over a window (a
        threshold or relative gate): computed as the gate computes it, so the label and the
        dashed rule show the gate's own number, not the last sample."""
        spec = self.gate_spec
        if not isinstance(spec, ThresholdGate | RelativeGate):
            return None
        role = Role.CANARY if self.window.spec.split else Role.ALL
        since = now - spec.window.total_seconds()
        values = [v for t, v in self.window.window(role).points if t > since and math.isfinite(v)]
        if len(values) < spec.min_samples:
            return None
        value = aggregate(values, spec.aggregate)
        return value if math.isfinite(value) else None

    def set_gate(self, gate: GateResult | None, spec: GateSpec | None = None) -> None:
        """Show the gate's badge; redraw the graphs when the line they draw for it moved."""
        moved = (gate.threshold if gate else None) != (self.gate.threshold if self.gate else None)
        self.gate, self.gate_spec = gate, spec
        if self._drawn is not None and (moved or self.judged(self._drawn[2]) is not None):
            self.update_window(*self._drawn)
        else:
            self._label()

    def set_compact(self, compact: bool) -> None:
        self.compact = compact
        for graph in self.query(MetricGraph):
            graph.compact = compact
        self._label()

    def _label(self) -> None:
        text = self._compact_label() if self.compact else self._full_label()
        self.query_one("#label", MetricLabel).show(text)

    def _full_label(self) -> Text:
        spec = self.window.spec
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(spec.name, "bold")
        if spec.unit:
            text.append(f" {spec.unit}", "dim")
        text.append("\n")
        for role in self.window.roles:
            last = self.window.window(role).last
            color = theme_color(self.app, "stable" if role != Role.CANARY else "canary")
            name = {Role.STABLE: "stable ", Role.CANARY: "canary ", Role.ALL: ""}[role]
            text.append(f"{name}last ", color)
            text.append(format.value(last[1] if last else None))
            text.append("\n")
        if self.window.error:
            text.append("⚠ query failed", theme_color(self.app, "error"))
        elif Role.CANARY in self.window.missing:
            text.append("⚠ no canary series", theme_color(self.app, "warning"))
        else:
            label, variable = badge(self.gate)
            text.append(self._verdict(label), theme_color(self.app, variable))
        return text

    def _verdict(self, label: str) -> str:
        """The badge, its word giving way to what the gate judged: '✔ 5m p99 123 ms' for an
        aggregate over a window, '✔ ratio 1.08×' for the gate's estimate of canary against
        stable; the badge alone while there is neither."""
        judged = self.judged(self._drawn[2]) if self._drawn else None
        spec = self.gate_spec
        if judged is not None and isinstance(spec, ThresholdGate | RelativeGate):
            window = span_label(spec.window.total_seconds())
            return f"{label[0]} {window} {spec.aggregate} {format.value(judged)}"
        if isinstance(self.gate, JudgedGate) and self.gate.estimate is not None:
            return f"{label[0]} {estimate_text(self.gate.estimate)}"
        return label

    def _compact_label(self) -> Text:
        """Two lines: name and gate mark; then the latest values, coloured by role."""
        text = Text(no_wrap=True, overflow="ellipsis")
        label, variable = badge(self.gate)
        if self.window.error or Role.CANARY in self.window.missing:
            label, variable = "⚠", "error"
        text.append(label[0], theme_color(self.app, variable))
        text.append(f" {self.window.spec.name}\n", "bold")
        values = []
        for role in self.window.roles:
            last = self.window.window(role).last
            color = theme_color(self.app, "canary" if role == Role.CANARY else "stable")
            values.append((format.value(last[1] if last else None), color))
        for i, (value, color) in enumerate(values):
            text.append(("" if i == 0 else " │ ") + value, color)
        return text


APART = 5.0
"""Two sides whose largest values differ more than this many times get a scale each."""


def apart(stable: Sequence[tuple[float, float]], canary: Sequence[tuple[float, float]]) -> bool:
    """Whether one scale for both would flatten the smaller side into its bottom fifth: a
    canary with 5 % of the traffic next to a stable with 95 %."""
    tops = [
        max((abs(v) for _, v in side if math.isfinite(v)), default=0.0) for side in (stable, canary)
    ]
    low, high = min(tops), max(tops)
    return low > 0 and high > APART * low
