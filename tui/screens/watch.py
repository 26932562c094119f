"""The watch screen: one rollout, its metrics side by side, its steps and events.

It renders only what the session publishes and redraws only the parts an update touched; the
one timer it runs moves the clocks (how long ago the rollout started, how long a pause has
lasted). Its lines are shared out by `layout.plan` at every size, so nothing on it scrolls.
"""

from __future__ import annotations

from collections.abc import Iterator

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import ActiveBinding, Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer

from backends.base import Capability
from backends.errors import BackendError
from backends.model import GateResult, GateStatus, Role, Rollout
from backends.text_safety import printable
from tui import format
from tui.judge.specs import references
from tui.messages import SessionUpdate
from tui.render.scales import time_window
from tui.screens.confirm import ConfirmScreen
from tui.screens.help import HelpScreen
from tui.screens.keys import WATCH_BINDINGS, help_rows
from tui.screens.layout import plan
from tui.screens.live_prompt import LivePrompt
from tui.screens.offers import ACTIONS, not_now, unavailable, why_not
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
from tui.widgets.column_titles import ColumnTitles
from tui.widgets.event_log import EventLog
from tui.widgets.gates_panel import GatesPanel
from tui.widgets.link_banner import LinkBanner, banner_lines
from tui.widgets.metric_row import MetricRow
from tui.widgets.rollout_header import RolloutHeader
from tui.widgets.steps_bar import StepsBar, step_name

SEVERITY = {GateStatus.PASS: 0, GateStatus.PENDING: 1, GateStatus.MARGINAL: 2, GateStatus.FAIL: 3}


class WatchScreen(Screen[None]):
    BINDINGS = WATCH_BINDINGS

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self._x_range: tuple[float, float] | None = None
        self._clock_second: int | None = None
        self._gate_lines = 0
        self._offers: tuple[tuple[bool, bool], ...] = ()
        self._step_names: dict[float, str] = {}
        """Each step change's name (`3 10%`), by the time the session marked it."""

    def compose(self) -> ComposeResult:
        yield RolloutHeader(read_only=self.session.read_only, id="header")
        yield StepsBar(id="steps")
        yield LinkBanner(id="link")
        yield ColumnTitles(id="columns")
        with Vertical(id="metrics"):
            for window in self.session.windows.values():
                if window.spec.show:
                    yield MetricRow(window)
        with Horizontal(id="bottom"):
            yield GatesPanel(id="gates")
            yield EventLog(id="events")
        yield Footer()

    def on_mount(self) -> None:
        """Show what the session already holds: one judged in the background before it was
        opened has its rollout, graphs, gates and events, and may publish nothing new soon."""
        self._apply_size()
        self._clock = self.set_interval(1.0, self._tick)
        session = self.session
        if session.rollout is not None:
            self._show_rollout(session.rollout)
            self._show_metrics(frozenset(session.windows))
            self._show_gates()
            self.query_one(EventLog).add(session.events)
            self._show_links()

    def on_resize(self) -> None:
        self._apply_size()

    def _apply_size(self) -> None:
        """Share the lines out (`layout.plan`); rows too short for a plot become bars, and the
        band's rule gives way to a banner where the rows would otherwise have to."""
        width, height = self.app.size
        rows = list(self.query(MetricRow))
        gated = {name for gate in self.session.gates for name in references(gate).values()}
        layout = plan(
            width,
            height,
            gated=[row.window.spec.name in gated for row in rows],
            gates=self._gate_count(),
            banner=banner_lines(self.query_one(LinkBanner).message, width),
        )
        self.set_class(layout.stacked, "-compact")
        self.query_one(Footer).compact = layout.stacked
        if layout.banner:
            self.query_one(LinkBanner).styles.height = layout.banner
        bottom = self.query_one("#bottom")
        bottom.styles.height = layout.bottom
        bottom.styles.border_top = None if layout.rule else ("none", "transparent")
        self.query_one(GatesPanel).styles.height = layout.gates if layout.stacked else "1fr"
        for index, row in enumerate(rows):
            row.display = index in layout.shown
            row.styles.height = layout.row_height
            row.set_compact(not layout.plots)
        self.query_one("#metrics").styles.height = layout.row_height * len(layout.shown)

    def _gate_count(self) -> int:
        """The gate lines the panel shows: rollwatch's gates, then the controller's."""
        rollout = self.session.rollout
        return len(self.session.gates) + len(rollout.controller_gates if rollout else [])

    def _tick(self) -> None:
        """Move the clocks on screen when they moved: started ago, a pause's length."""
        rollout = self.session.rollout
        if rollout is None:
            return
        now = self.session.clock.now()
        second = int(now.timestamp())
        if second == self._clock_second:
            return
        self._clock_second = second
        self.query_one(RolloutHeader).show(rollout, now)
        if rollout.pause is not None:
            self.query_one(StepsBar).show(rollout, now)

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
            self._refresh_offers()
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
        specs = {spec.name: spec for spec in self.session.gates}
        with self.app.batch_update():
            self.query_one(GatesPanel).show(judgement, controller)
            for row in self.query(MetricRow):
                shown = by_metric.get(row.window.spec.name)
                row.set_gate(shown, specs.get(shown.name) if shown else None)

    def _show_rollout(self, rollout: Rollout) -> None:
        now = self.session.clock.now()
        self._name_step_change(rollout)
        with self.app.batch_update():
            self.query_one(RolloutHeader).show(rollout, now)
            self.query_one(StepsBar).show(rollout, now)
            self.query_one(ColumnTitles).show(rollout.stable, rollout.canary)
            if rollout.controller_gates:
                self._show_gates()
            if self._gate_count() != self._gate_lines:
                self._gate_lines = self._gate_count()
                self._apply_size()

    def _name_step_change(self, rollout: Rollout) -> None:
        """Name the session's latest step change after the step the rollout is now at: the
        session marks a change before it publishes the rollout that made it."""
        changes = self.session.step_changes
        if not changes or changes[-1] in self._step_names or rollout.current_step is None:
            return
        if rollout.current_step < rollout.step_count:
            number = format.step_number(rollout.current_step, rollout.step_count)
            self._step_names[changes[-1]] = f"{number} {step_name(rollout, rollout.current_step)}"
        if len(self._step_names) > 2 * (changes.maxlen or len(changes)):
            self._step_names = {t: n for t, n in self._step_names.items() if t in changes}

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
        self.query_one(ColumnTitles).show_span(now - x_range[0])
        marks = [(t, self._step_names.get(t, "")) for t in self.session.step_changes]
        marks = [(t, name) for t, name in marks if t >= x_range[0]]
        with self.app.batch_update():
            for row in self.query(MetricRow):
                if moved or row.window.spec.name in names:
                    row.update_window(x_range, marks, now)
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
        message = "⚠ " + " · ".join(problems) + " — retrying" if problems else ""
        banner = self.query_one(LinkBanner)
        if message != banner.message:
            banner.show(message)
            self._apply_size()

    # what is on offer

    def _refresh_offers(self) -> None:
        """Redraw the footer when what is on offer changed (not on every update)."""
        offers = tuple(
            (unavailable(self.session, c) is None, not_now(self.session, c) is None)
            for c in ACTIONS.values()
        )
        if offers != self._offers:
            self._offers = offers
            self.refresh_bindings()

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The keys the footer and the Keys panel show: actions not on offer are left out, and
        those a down link holds back are dimmed. Their keys still run the action, which says
        why it cannot be done."""
        shown: dict[str, ActiveBinding] = {}
        for key, active in super().active_bindings.items():
            capability = ACTIONS.get(active.binding.action) if active.node is self else None
            if capability is None:
                shown[key] = active
            elif unavailable(self.session, capability) is None:
                shown[key] = active._replace(enabled=not_now(self.session, capability) is None)
        return shown

    def commands(self) -> Iterator[SystemCommand]:
        """The actions on offer, for the command palette (Textual offers Quit itself)."""
        seen: set[str] = set()
        for active in self.active_bindings.values():
            binding = active.binding
            if not (active.node is self and binding.show) or binding.action in ("quit", *seen):
                continue
            seen.add(binding.action)
            action = getattr(self, f"action_{binding.action}")
            yield SystemCommand(binding.description, binding.tooltip, action)

    # actions

    def action_promote(self) -> None:
        self._ask(Capability.PROMOTE)

    def action_promote_full(self) -> None:
        self._ask(Capability.PROMOTE_FULL)

    def action_abort(self) -> None:
        self._ask(Capability.ABORT)

    def action_pause(self) -> None:
        self._ask(Capability.PAUSE)

    def action_resume(self) -> None:
        self._ask(Capability.RESUME)

    def action_retry(self) -> None:
        self._ask(Capability.RETRY)

    def action_help(self) -> None:
        palette = self.app.get_key_display(Binding(self.app.COMMAND_PALETTE_BINDING, ""))
        rows = [*help_rows(self, self.active_bindings), (palette, "every action by name")]
        notes = (
            "Read-only mode: rollwatch watches and never acts; a key for an action says so."
            if self.session.read_only
            else "Nothing happens without a confirmation; the prompt says exactly what will."
        )
        self.app.push_screen(HelpScreen(rows, notes))

    def action_quit(self) -> None:
        self.app.exit()

    def _ask(self, action: Capability) -> None:
        """Open the live prompt for `action`, or say at once, in one line, why it cannot be."""
        reason = why_not(self.session, action)
        if reason is not None:
            self.notify(printable(reason), severity="warning", markup=False)
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
            reason = printable(str(error))
            self.notify(reason, title="Not done", severity="error", timeout=10, markup=False)
            return
        self.notify(printable(what), title="Done", markup=False)
