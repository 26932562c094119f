"""The watch screen: one rollout, its metrics side by side, its steps and events.

It renders only what the session publishes and redraws only the parts an update touched; the
one timer it runs moves the clocks shown in the header (elapsed, time left in a pause).
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from backends.base import Capability
from backends.errors import BackendError
from backends.model import GateResult, GateStatus, Role, Rollout
from tui import format
from tui.messages import SessionUpdate
from tui.render.scales import time_window
from tui.screens.confirm import ConfirmScreen
from tui.screens.help import HelpScreen
from tui.screens.live_prompt import LivePrompt
from tui.screens.offers import why_not
from tui.session.decisions import Confirmation, Refused
from tui.session.live import Session
from tui.session.prompts import describe
from tui.session.updates import (
    EventsAdded,
    GatesChanged,
    LinkChanged,
    MetricsChanged,
    RolloutChanged,
)
from tui.theme import theme_color
from tui.widgets.event_log import EventLog
from tui.widgets.gates_panel import GatesPanel
from tui.widgets.metric_row import MetricRow
from tui.widgets.rollout_header import RolloutHeader
from tui.widgets.steps_bar import StepsBar

COMPACT_WIDTH = 100
COMPACT_HEIGHT = 30
CHROME_LINES = 5
"""Header (2), steps (1), column titles (1) and footer (1)."""
EVENTS_LARGE = 6
EVENTS_SMALL = 3
MIN_PLOT_LINES = 5
SEVERITY = {GateStatus.PASS: 0, GateStatus.PENDING: 1, GateStatus.MARGINAL: 2, GateStatus.FAIL: 3}


class WatchScreen(Screen[None]):
    BINDINGS = [
        Binding(
            "p", "promote", "Promote", tooltip="Move the rollout to its next step.", id="promote"
        ),
        Binding(
            "P",
            "promote_full",
            "Promote all",
            tooltip="Skip every remaining step.",
            id="promote-full",
        ),
        Binding("a", "abort", "Abort", tooltip="Send all traffic back to stable.", id="abort"),
        Binding("question_mark", "help", "Help", tooltip="Show the keys.", id="help"),
        Binding("q", "quit", "Quit", tooltip="Leave rollwatch; the rollout goes on.", id="quit"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self._x_range: tuple[float, float] | None = None
        self._clock_second: int | None = None

    def compose(self) -> ComposeResult:
        yield RolloutHeader(id="header")
        yield StepsBar(id="steps")
        yield Static(id="link", classes="link")
        yield Static(id="columns")
        with Vertical(id="metrics"):
            for window in self.session.windows.values():
                if window.spec.show:
                    yield MetricRow(window)
        with Horizontal(id="bottom"):
            yield GatesPanel(id="gates")
            yield EventLog(id="events")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#link").display = False
        self._apply_size()
        self._clock = self.set_interval(1.0, self._tick)
        if self.session.rollout is not None:
            self._show_rollout(self.session.rollout)

    def on_resize(self) -> None:
        self._apply_size()

    def _apply_size(self) -> None:
        """Share the height among the metric rows; rows too short for a plot become bars.

        Wide screens put gates and events side by side under the graphs; small ones stack
        them, the gates first, because the verdict matters more than the history.
        """
        width, height = self.app.size
        small = width < COMPACT_WIDTH or height < COMPACT_HEIGHT
        self.set_class(small, "-compact")
        gate_lines = 1 + len(self.session.gates)
        bottom = gate_lines + EVENTS_SMALL if small else max(EVENTS_LARGE, gate_lines)
        self.query_one("#bottom").styles.height = bottom
        self.query_one(GatesPanel).styles.height = gate_lines if small else "1fr"
        rows = list(self.query(MetricRow))
        fixed = CHROME_LINES + bottom
        per_row = max(2, (height - fixed) // max(1, len(rows)))
        compact = small or per_row < MIN_PLOT_LINES
        for row in rows:
            row.styles.height = per_row
            row.set_compact(compact)
        self.query_one("#metrics").styles.height = max(0, min(per_row * len(rows), height - fixed))

    def _tick(self) -> None:
        """Move the clocks on screen (elapsed time, time left in a pause) when they moved."""
        if self.session.rollout is not None:
            now = self.session.clock.now()
            second = int(now.timestamp())
            if second == self._clock_second:
                return
            self._clock_second = second
            self.query_one(RolloutHeader).show(self.session.rollout, now)
            pause = self.session.rollout.pause
            if pause is not None and pause.until is not None:
                self.query_one(StepsBar).show(self.session.rollout, now)

    # session updates

    @on(SessionUpdate)
    def _on_session_update(self, message: SessionUpdate) -> None:
        update = message.update
        if isinstance(update, RolloutChanged):
            self._show_rollout(update.rollout)
        elif isinstance(update, MetricsChanged):
            self._show_metrics(update.names)
        elif isinstance(update, GatesChanged):
            self._show_gates()
        elif isinstance(update, EventsAdded):
            self.query_one(EventLog).add(update.events)
        elif isinstance(update, LinkChanged):
            self._show_links()
        if not isinstance(update, MetricsChanged | EventsAdded):
            for screen in self.app.screen_stack:
                if isinstance(screen, ConfirmScreen) and screen.prompt.session is self.session:
                    screen.follow()

    def _show_gates(self) -> None:
        judgement = self.session.judgement
        rollout = self.session.rollout
        controller = rollout.controller_gates if rollout else []
        by_metric: dict[str, GateResult] = {}
        for gate in judgement.gates if judgement else []:
            key = gate.metric or gate.name
            if key not in by_metric or SEVERITY[gate.status] > SEVERITY[by_metric[key].status]:
                by_metric[key] = gate
        with self.app.batch_update():
            self.query_one(GatesPanel).show(judgement, controller)
            for row in self.query(MetricRow):
                row.set_gate(by_metric.get(row.window.spec.name))

    def _show_rollout(self, rollout: Rollout) -> None:
        now = self.session.clock.now()
        with self.app.batch_update():
            self.query_one(RolloutHeader).show(rollout, now)
            self.query_one(StepsBar).show(rollout, now)
            self._show_columns(rollout)
            if rollout.controller_gates:
                self._show_gates()
        self.refresh_bindings()

    def _show_columns(self, rollout: Rollout) -> None:
        text = Text(no_wrap=True, overflow="crop")
        label_width = 16 if self.has_class("-compact") else 20
        graph_width = max(10, (self.size.width - label_width) // 2)
        text.append(" " * label_width)
        stable = (
            f"stable {format.revision(rollout.stable.id)} {format.weight(rollout.stable.weight)}"
        )
        text.append(
            stable.ljust(graph_width)[:graph_width], f"bold {theme_color(self.app, 'stable')}"
        )
        if rollout.canary:
            canary = (
                f"canary {format.revision(rollout.canary.id)} "
                f"{format.weight(rollout.canary.weight)}"
            )
            text.append(canary, f"bold {theme_color(self.app, 'canary')}")
        self.query_one("#columns", Static).update(text)

    def _show_metrics(self, names: frozenset[str]) -> None:
        """Redraw the rows whose data changed, or all of them when the time window moved.

        The clocks move in the same frame, and their timer starts over: while data streams,
        one frame a tick carries both.
        """
        now = self.session.clock.now().timestamp()
        span = max(w.span.total_seconds() for w in self.session.windows.values())
        x_range = time_window(self._canary_start(), now, span)
        moved = x_range != self._x_range
        self._x_range = x_range
        markers = [t for t in self.session.step_changes if t >= x_range[0]]
        with self.app.batch_update():
            for row in self.query(MetricRow):
                if moved or row.window.spec.name in names:
                    row.update_window(x_range, markers)
            self._tick()
        self._clock.reset()

    def _canary_start(self) -> float | None:
        """Graphs start where the canary's data starts, so the pair covers one period."""
        starts = [
            points[0][0]
            for w in self.session.windows.values()
            if w.spec.split and (points := w.window(Role.CANARY).points)
        ]
        return min(starts, default=None)

    def _show_links(self) -> None:
        problems = [f"{source}: {error}" for source, error in self.session.links.items() if error]
        link = self.query_one("#link", Static)
        link.display = bool(problems)
        if problems:
            link.update("⚠ " + " · ".join(problems) + " — retrying")

    # actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("promote", "promote_full", "abort"):
            rollout = self.session.rollout
            if self.session.read_only:
                return None
            if rollout is None or rollout.phase.finished:
                return None
        return True

    def action_promote(self) -> None:
        self._ask(Capability.PROMOTE)

    def action_promote_full(self) -> None:
        self._ask(Capability.PROMOTE_FULL)

    def action_abort(self) -> None:
        self._ask(Capability.ABORT)

    def action_help(self) -> None:
        rows = [
            ("p", "promote: confirm, then move to the next step"),
            ("P", "promote fully: confirm, then skip every remaining step"),
            ("a", "abort: confirm, then send all traffic back to stable"),
            ("?", "this help"),
            ("ctrl+\\", "command palette: every action by name"),
            ("q", "quit (the rollout goes on without you)"),
        ]
        notes = (
            "Read-only mode: promote and abort are off."
            if self.session.read_only
            else ("Nothing happens without a confirmation; the prompt says exactly what will.")
        )
        self.app.push_screen(HelpScreen(rows, notes))

    def action_quit(self) -> None:
        self.app.exit()

    def _ask(self, action: Capability) -> None:
        """Open the live prompt for `action`, or say at once why it cannot be done now."""
        reason = why_not(self.session, action)
        if reason is not None:
            self.notify(reason, severity="warning", markup=False)
            return
        prompt = LivePrompt(self.session, action)

        def answered(confirmation: Confirmation | None) -> None:
            if confirmation is not None:
                what = describe(action, self.session.rollout) if self.session.rollout else ""
                self.run_worker(self._execute(confirmation, what), group="actions")

        self.app.push_screen(ConfirmScreen(prompt), answered)

    async def _execute(self, confirmation: Confirmation, what: str) -> None:
        try:
            await self.session.execute(confirmation)
        except (Refused, BackendError) as error:
            self.notify(f"{error}", title="Not done", severity="error", timeout=10, markup=False)
            return
        self.notify(what, title="Done", markup=False)
