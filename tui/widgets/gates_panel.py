"""Every gate in one line of plain numbers, under the verdict they add up to."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from backends.model import GateResult, GateSource, GateStatus
from backends.text_safety import printable
from tui import format
from tui.judge.verdict import Judgement
from tui.theme import theme_color
from tui.widgets.metric_row import BADGES

VERDICTS = {
    GateStatus.PASS: ("PASS", "success"),
    GateStatus.MARGINAL: ("MARGINAL", "warning"),
    GateStatus.FAIL: ("FAIL", "error"),
    GateStatus.PENDING: ("PENDING", "secondary"),
}


class GatesPanel(Static):
    """The verdict line, then one line per gate: badge, window fill, explanation."""

    DEFAULT_CSS = """
    GatesPanel { height: auto; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def show(self, judgement: Judgement | None, controller: list[GateResult]) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        if judgement is None and not controller:
            text.append("no gates configured — add [[gate]] to rollwatch.toml", "dim")
            self.update(text)
            return
        if judgement is not None:
            label, variable = VERDICTS[judgement.status]
            text.append("verdict ", "bold")
            text.append(f" {label} ", f"bold reverse {theme_color(self.app, variable)}")
            if judgement.bake_remaining:
                remaining = format.duration(judgement.bake_remaining)
                text.append(f" judge's bake {remaining} left ·", "bold")
            text.append(f" {printable(judgement.explanation.rsplit(' — ', 1)[0])}")
        for gate in [*(judgement.gates if judgement else []), *controller]:
            text.append("\n")
            self._gate_line(text, gate)
        self.update(text)

    def _gate_line(self, text: Text, gate: GateResult) -> None:
        label, variable = BADGES[gate.status]
        text.append(f"{label:<10}", theme_color(self.app, variable))
        if gate.status == GateStatus.PENDING and gate.samples_needed:
            text.append(f"{gate.samples:>3}/{gate.samples_needed:<3} ", "dim")
        if gate.source == GateSource.CONTROLLER:
            text.append("controller ", "italic dim")
        text.append(printable(gate.explanation))
