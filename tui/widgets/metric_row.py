"""One metric: its name, latest values, gate badge, and stable and canary side by side.

Both graphs share one x-range (the screen's time window) and one y-range (round numbers around
the pair's extremes, kept while the data still fills them), so the eye compares them without
reading ticks and a new sample redraws only the cells it touches; a dependency metric gets one
wide graph with the rollout's step changes marked.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.geometry import Region
from textual.widgets import Static

from backends.model import GateResult, GateStatus, Role
from tui import format
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
        self._drawn: tuple[tuple[float, float], list[float]] | None = None
        """The x-range and markers of the last draw, to redraw when only the gate changed."""
        self._y_range: tuple[float, float] | None = None

    def compose(self) -> ComposeResult:
        yield MetricLabel(id="label")
        yield MetricGraph("stable" if self.window.spec.split else "dependency", id="stable")
        yield MetricGraph("canary", ticks=False, id="canary")

    def on_mount(self) -> None:
        self._label()

    def update_window(self, x_range: tuple[float, float], markers: list[float]) -> None:
        self._drawn = (x_range, markers)
        roles = self.window.roles
        series = {role: self.window.window(role).points for role in roles}
        threshold = self.gate.threshold if self.gate else None
        values = [v for points in series.values() for _, v in points]
        if threshold is not None:
            values.append(threshold)
        y_range = self._y_range = value_range(values, self._y_range)
        graphs = ("stable", "canary") if self.window.spec.split else ("stable",)
        for graph_id, role in zip(graphs, roles, strict=False):
            self.query_one(f"#{graph_id}", MetricGraph).show(
                GraphData(
                    points=series[role],
                    x_range=x_range,
                    y_range=y_range,
                    threshold=threshold
                    if role != Role.STABLE or not self.window.spec.split
                    else None,
                    markers=() if self.window.spec.split else tuple(markers),
                )
            )
        self._label()

    def set_gate(self, gate: GateResult | None) -> None:
        """Show the gate's badge; redraw the graphs when the line they draw for it moved."""
        moved = (gate.threshold if gate else None) != (self.gate.threshold if self.gate else None)
        self.gate = gate
        if moved and self._drawn is not None:
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
            name = {Role.STABLE: "stable", Role.CANARY: "canary", Role.ALL: "now"}[role]
            text.append(f"{name:<7}", color)
            text.append(format.value(last[1] if last else None, spec.unit))
            text.append("\n")
        if self.window.error:
            text.append("⚠ query failed", theme_color(self.app, "error"))
        elif Role.CANARY in self.window.missing:
            text.append("⚠ no canary series", theme_color(self.app, "warning"))
        else:
            label, variable = badge(self.gate)
            text.append(label, theme_color(self.app, variable))
        return text

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
