"""Who and what is rolling out: the first thing on-call reads.

Line one: service, revisions, phase, how long ago the rollout started, and a badge in read-only
mode; line two: the change and who owns it. Where a line does not fit, the namespace and the
revisions' length give way before anything is cut.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from backends.model import Phase, Rollout
from backends.text_safety import printable
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

SHORT_REVISION = 7


class RolloutHeader(Static):
    DEFAULT_CSS = """
    RolloutHeader {
        height: 2; padding: 0 1; background: $panel; text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    def __init__(self, *, read_only: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.read_only = read_only
        self._shown: tuple[Rollout, datetime] | None = None

    def show(self, rollout: Rollout, now: datetime) -> None:
        self._shown = (rollout, now)
        self.refresh()

    def render(self) -> Text:
        if self._shown is None:
            return Text()
        rollout, now = self._shown
        width = self.content_region.width
        line = self._first_line(rollout, now, namespace=True, revision_length=10)
        if line.cell_len > width:
            line = self._first_line(rollout, now, namespace=False, revision_length=SHORT_REVISION)
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append_text(line)
        text.append("\n")
        text.append_text(self._change_line(rollout))
        return text

    def _first_line(
        self, rollout: Rollout, now: datetime, *, namespace: bool, revision_length: int
    ) -> Text:
        text = Text()
        if self.read_only:
            text.append(" READ-ONLY ", f"bold reverse {theme_color(self.app, 'warning')}")
            text.append(" ")
        text.append(printable(rollout.service), "bold")
        if namespace and rollout.namespace:
            text.append(f" ({printable(rollout.namespace)})", "dim")
        text.append("  ")
        stable = printable(format.revision(rollout.stable.id))[:revision_length]
        text.append(stable, theme_color(self.app, "stable"))
        if rollout.canary:
            text.append(" → ")
            canary = printable(format.revision(rollout.canary.id))[:revision_length]
            text.append(canary, theme_color(self.app, "canary"))
        label, variable = PHASES[rollout.phase]
        text.append("  ")
        text.append(label, f"bold {theme_color(self.app, variable)}")
        if rollout.started_at:
            text.append(f"  started {format.duration(now - rollout.started_at)} ago", "dim")
        return text

    def _change_line(self, rollout: Rollout) -> Text:
        text = Text()
        change = rollout.change
        if change.sha or change.title:
            text.append(printable(change.short_sha), theme_color(self.app, "accent"))
            text.append(f" {printable(change.title or '')}")
        if change.author:
            text.append(f" — {printable(change.author)}", "bold")
        if change.merged_by and change.merged_by != change.author:
            text.append(f", merged by {printable(change.merged_by)}", "dim")
        if not (change.sha or change.title or change.author):
            text.append("no change information on this rollout", "dim")
        return text
