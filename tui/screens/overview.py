"""The overview: every rollout the deploy system has, those that need a person first.

On-call starts here. Enter attaches to the rollout under the cursor (its watch screen, Escape
comes back), `/` filters by any word (service, namespace, author, phase, verdict). The list
follows the backend's list watch, every rollout in progress is judged by rollwatch's gates in
the background (`Judges`) so its verdict ranks its row; the screen redraws only rows that
changed, and once a second the visible clocks.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from tui.alerts import alert
from tui.screens.attached import Attachments
from tui.screens.help import HelpScreen
from tui.session.judging import Judges
from tui.session.live import Session
from tui.session.overview import ListLink, Overview, OverviewUpdate, Row, RowsChanged, Urgency
from tui.theme import theme_color
from tui.widgets.rollout_table import RolloutTable

GROUPS = {
    Urgency.NEEDS_YOU: ("need you", "error"),
    Urgency.IN_PROGRESS: ("in progress", "accent"),
    Urgency.DONE: ("done", "foreground-muted"),
}


class OverviewChanged(Message):
    """One update from the overview's list; a burst of row changes coalesces into one redraw."""

    def __init__(self, update: OverviewUpdate) -> None:
        super().__init__()
        self.update = update


class OverviewScreen(Screen[None]):
    BINDINGS = [
        Binding(
            "slash", "filter", "Filter", tooltip="Show only rollouts matching words.", id="filter"
        ),
        Binding(
            "escape", "clear_filter", "Clear filter", tooltip="Show every rollout.", id="clear"
        ),
        Binding(
            "o",
            "open_change",
            "Open change",
            tooltip="Open the highlighted rollout's change (pull request) in the browser.",
            id="open-change",
        ),
        Binding("question_mark", "help", "Help", tooltip="Show the keys.", id="overview-help"),
        Binding(
            "q", "quit", "Quit", tooltip="Leave rollwatch; rollouts go on.", id="overview-quit"
        ),
    ]
    DEFAULT_CSS = """
    OverviewScreen #summary { height: 1; padding: 0 1; background: $panel; }
    OverviewScreen #list-link { height: 1; padding: 0 1; background: $error-muted;
        color: $text-error; display: none; }
    OverviewScreen #detail { height: 2; padding: 0 1; background: $panel;
        text-wrap: nowrap; text-overflow: ellipsis; }
    OverviewScreen #filter { dock: bottom; height: 1; border: none; padding: 0 1;
        margin-bottom: 1; display: none; }
    """

    def __init__(
        self,
        overview: Overview,
        open_session: Callable[[str], Session],
        *,
        bell: bool = True,
        read_only: bool = False,
    ) -> None:
        super().__init__()
        self.overview = overview
        self.read_only = read_only
        self.judges = Judges(overview, open_session)
        self.attachments = Attachments(
            self, overview, self.judges, lambda notice: alert(self.app, notice, bell=bell)
        )
        self.query_text = ""
        self._shown: dict[str, Text] = {}
        self._can_open = False

    def compose(self) -> ComposeResult:
        yield Static(id="summary")
        yield Static(id="list-link")
        yield RolloutTable(id="rollouts")
        yield Static(id="detail")
        yield Input(placeholder="filter: service, namespace, author, phase, verdict", id="filter")
        yield Footer()

    def on_mount(self) -> None:
        self.overview.subscribe(self._post)
        self.run_worker(self.overview.run(), name="overview", group="overview")
        self.run_worker(self.judges.run(), name="overview judges", group="overview")
        self.run_worker(self._clocks(), name="overview clocks", group="overview")
        self._show_rows(frozenset())
        self.query_one(RolloutTable).focus()

    def _post(self, update: OverviewUpdate) -> None:
        self.post_message(OverviewChanged(update))

    async def _clocks(self) -> None:
        """Move the paused-for and age columns once a second of the overview's own clock.

        The overview's clock, not the screen's timer: a sped-up demo's clocks run as fast as
        its rollouts, and a virtual clock's picture is the same however fast the tests run.
        """
        while True:
            await self.overview.clock.sleep(1.0)
            self._tick()

    def on_screen_resume(self) -> None:
        self._tick()

    def _tick(self) -> None:
        if self.app.screen is self:
            self.query_one(RolloutTable).tick(self.overview.clock.now())

    # what the overview tells

    @on(OverviewChanged)
    def _on_overview_changed(self, message: OverviewChanged) -> None:
        update = message.update
        if isinstance(update, RowsChanged):
            self._show_rows(update.changed | update.removed)
        elif isinstance(update, ListLink):
            link = self.query_one("#list-link", Static)
            link.display = update.error is not None
            if update.error is not None:
                link.update(f"⚠ deploy: {update.error} — retrying")

    def _show_rows(self, changed: frozenset[str]) -> None:
        rows = self.overview.ordered(self.query_text)
        with self.app.batch_update():
            self.query_one(RolloutTable).show(rows, self.overview.clock.now(), changed)
            self._show_summary(len(rows))

    def _show_summary(self, shown: int) -> None:
        counts = self.overview.counts()
        total = sum(counts.values())
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.read_only:
            text.append(" READ-ONLY ", f"bold reverse {theme_color(self.app, 'warning')}")
            text.append(" ")
        text.append("rollwatch", "bold")
        if not self.overview.listed:
            text.append("  reading the rollouts…", "dim")
        else:
            text.append(f"  {total} rollout{'s' if total != 1 else ''}: ")
            for i, (urgency, (label, variable)) in enumerate(GROUPS.items()):
                style = f"bold {theme_color(self.app, variable)}" if counts[urgency] else "dim"
                text.append(f"{counts[urgency]} {label}", style)
                if i < len(GROUPS) - 1:
                    text.append(" · ", "dim")
        if self.query_text:
            text.append(f"  filter “{self.query_text}”: {shown} shown", "italic")
        self._update("#summary", text)

    @on(RolloutTable.Highlighted)
    def _show_detail(self, message: RolloutTable.Highlighted) -> None:
        self._update("#detail", self._detail(message.row))
        can_open = message.row is not None and bool(message.row.summary.change.url)
        if can_open != self._can_open:
            self._can_open = can_open
            self.refresh_bindings()

    def _update(self, selector: str, text: Text) -> None:
        """Redraw a line only when its words or colours changed: rows change far more often."""
        if self._shown.get(selector) != text:
            self._shown[selector] = text
            self.query_one(selector, Static).update(text)

    def _detail(self, row: Row | None) -> Text:
        """Who owns the highlighted rollout and why it is where it is in the list."""
        text = Text(no_wrap=True, overflow="ellipsis")
        if row is None:
            empty = "no rollout matches the filter" if self.query_text else "no rollouts"
            text.append(empty if self.overview.listed else "", "dim")
            return text
        summary, change = row.summary, row.summary.change
        text.append(summary.id, "bold")
        if row.need:
            text.append(f"  {row.need}", f"bold {theme_color(self.app, 'warning')}")
        if row.verdict is not None:
            whose = "rollwatch's gates" if row.judged else "the controller's analysis"
            text.append(f"  verdict {row.verdict.value} from {whose}", "dim")
        if summary.message:
            text.append(f"  {summary.message}", "dim")
        text.append("\n")
        if change.sha or change.title:
            text.append(change.short_sha, theme_color(self.app, "accent"))
            text.append(f" {change.title or ''}")
        if change.author:
            text.append(f" — {change.author}", "bold")
        if change.merged_by and change.merged_by != change.author:
            text.append(f", merged by {change.merged_by}", "dim")
        if change.url:
            text.append("  ")
            link = Style(link=change.url, underline=True) + Style.from_meta(
                {"@click": "screen.open_change"}
            )
            text.append(change.url, link)
        if not (change.sha or change.title or change.author):
            text.append("no change information on this rollout", "dim")
        return text

    # keys

    @on(RolloutTable.Chosen)
    def _attach_chosen(self, message: RolloutTable.Chosen) -> None:
        self.app.push_screen(self.attachments.screen(message.rollout_id))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Clearing the filter is offered only while there is one."""
        if action == "clear_filter":
            return bool(self.query_text) or self.query_one("#filter", Input).display
        if action == "open_change":
            return self._can_open
        return True

    def action_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.display = True
        field.focus()
        self.refresh_bindings()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, message: Input.Changed) -> None:
        self.query_text = message.value.strip()
        self._show_rows(frozenset())
        self.refresh_bindings()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one(RolloutTable).focus()

    def action_clear_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.value = ""
        field.display = False
        self.query_text = ""
        self._show_rows(frozenset())
        self.query_one(RolloutTable).focus()
        self.refresh_bindings()

    def action_open_change(self) -> None:
        """The change's page in the browser: the terminal's, or the one showing `serve`."""
        current = self.query_one(RolloutTable).current
        if current is not None and current.summary.change.url:
            self.app.open_url(current.summary.change.url)
            self.notify(current.summary.change.url, title="Opening the change")

    def action_help(self) -> None:
        rows = [
            ("↑ ↓ j k", "move through the rollouts, most pressing first"),
            ("enter", "watch the rollout under the cursor (escape comes back)"),
            ("/", "filter by service, namespace, author, phase or verdict"),
            ("o", "open the change (its pull request) in the browser"),
            ("escape", "clear the filter"),
            ("?", "this help"),
            ("q", "quit (rollouts go on without you)"),
        ]
        notes = "Rows marked ▌ need a person: failing, degraded, inconclusive, or waiting."
        self.app.push_screen(HelpScreen(rows, notes))

    def action_quit(self) -> None:
        self.app.exit()
