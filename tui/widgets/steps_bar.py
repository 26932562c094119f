"""The rollout plan on one line: done steps dim, the current one marked, the rest plain."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from backends.model import Phase, Rollout, StepKind
from backends.text_safety import printable
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
    """`step 2/7 · paused 1m20s  ✓1 host › ▶confirm › 10% › …`: the clock before the plan, so a
    narrow terminal cuts the far steps rather than the time."""

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
            text.append(f"step {format.position(current, total)}", "bold")
        else:
            text.append(f"done {total}/{total}", "bold")
        clock = step_clock(rollout, now)
        if clock:
            text.append(f" · {clock}", "bold")
        text.append("  ")
        for index in range(total):
            if index:
                text.append(" › ", "dim")
            name = printable(step_name(rollout, index))
            if current is None or index > current:
                text.append(name)
            elif index < current:
                text.append(f"✓{name}", "dim")
            else:
                style = theme_color(
                    self.app, "error" if rollout.phase == Phase.ABORTED else "warning"
                )
                text.append(f"▶{name}", f"bold reverse {style}")
        self.update(text)


def step_clock(rollout: Rollout, now: datetime) -> str:
    """What the clock counts at this step: the controller's bake step, or a pause's length."""
    pause = rollout.pause
    if pause is None or rollout.phase.finished:
        return ""
    if pause.until is not None:
        return f"bake step {format.duration(pause.until - now)} left"
    return f"paused {format.duration(now - pause.since)}"
