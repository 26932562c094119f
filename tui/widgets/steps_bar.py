"""The rollout plan on one line: done steps dim, the current one marked, the rest plain."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from backends.model import Phase, Rollout, StepKind
from tui import format
from tui.theme import theme_color

SHORT = {
    StepKind.PAUSE: "confirm",
    StepKind.ANALYSIS: "analysis",
}


def step_name(rollout: Rollout, index: int) -> str:
    step = rollout.steps[index]
    if step.kind in SHORT and step.duration is None:
        return SHORT[step.kind]
    if step.kind in (StepKind.BAKE, StepKind.PAUSE) and step.duration is not None:
        return f"bake {format.duration(step.duration)}"
    if step.kind == StepKind.SET_CANARY_SCALE:
        return "1 host" if "1 host" in step.label else step.label
    if step.weight is not None:
        return format.weight(step.weight).replace(" ", "")
    return step.label


class StepsBar(Static):
    DEFAULT_CSS = """
    StepsBar { height: 1; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def show(self, rollout: Rollout, now: datetime) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        current = rollout.current_step
        total = rollout.step_count
        if total == 0:
            text.append("no steps", "dim")
        elif current is not None and current < total:
            text.append(f"step {format.position(current, total)} ", "bold")
        else:
            text.append(f"done {total}/{total} ", "bold")
        for index in range(total):
            if index:
                text.append(" › ", "dim")
            name = step_name(rollout, index)
            if current is None or index > current:
                text.append(name)
            elif index < current:
                text.append(f"✓{name}", "dim")
            else:
                style = theme_color(
                    self.app, "error" if rollout.phase == Phase.ABORTED else "warning"
                )
                text.append(f"▶{name}", f"bold reverse {style}")
        if rollout.pause and rollout.pause.until:
            text.append(f"  resumes in {format.duration(rollout.pause.until - now)}", "dim")
        self.update(text)
