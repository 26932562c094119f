"""Who and what is rolling out: the first thing on-call reads."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from backends.model import Phase, Rollout
from tui import format
from tui.theme import theme_color

PHASES = {
    Phase.PROGRESSING: ("◌ Progressing", "accent"),
    Phase.PAUSED: ("॥ Paused", "warning"),
    Phase.HEALTHY: ("✔ Healthy", "success"),
    Phase.DEGRADED: ("✖ Degraded", "error"),
    Phase.ABORTED: ("✖ Aborted", "error"),
    Phase.UNKNOWN: ("? Unknown", "foreground-muted"),
}


class RolloutHeader(Static):
    """Service, revisions, phase and elapsed time on line one; the change on line two."""

    DEFAULT_CSS = """
    RolloutHeader {
        height: 2; padding: 0 1; background: $panel; text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    def show(self, rollout: Rollout, now: datetime) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(rollout.service, "bold")
        if rollout.namespace:
            text.append(f" ({rollout.namespace})", "dim")
        text.append("  ")
        text.append(format.revision(rollout.stable.id), theme_color(self.app, "stable"))
        if rollout.canary:
            text.append(" → ")
            text.append(format.revision(rollout.canary.id), theme_color(self.app, "canary"))
        label, variable = PHASES[rollout.phase]
        text.append("  ")
        text.append(label, f"bold {theme_color(self.app, variable)}")
        if rollout.started_at:
            text.append(f"  {format.duration(now - rollout.started_at)}", "dim")
        text.append("\n")
        change = rollout.change
        if change.sha or change.title:
            text.append(change.short_sha, theme_color(self.app, "accent"))
            text.append(f" {change.title or ''}")
        if change.author:
            text.append(f" — {change.author}", "bold")
        if change.merged_by and change.merged_by != change.author:
            text.append(f", merged by {change.merged_by}", "dim")
        if not (change.sha or change.title or change.author):
            text.append("no change information on this rollout", "dim")
        self.update(text)
