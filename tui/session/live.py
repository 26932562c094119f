"""The live session: follows one rollout, keeps its metric windows, and acts for the user.

It owns all I/O scheduling so that widgets only render what they are given, and so that the
headless commands run exactly the logic the screen shows. Every outside failure becomes a
`LinkChanged` update and a retry with backoff; nothing here ever needs a restart.

Freshness is judged by the clock, not by the end of a fetch round: a round has one deadline
for all its queries, and between rounds the session still looks at the clock once a poll, so
a store that hangs turns its gates pending and its link down whatever its HTTP timeouts are.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from backends.base import Capability, DeployBackend, MetricsBackend
from backends.clock import Clock
from backends.errors import BackendError
from backends.model import (
    EventLevel,
    Expectation,
    GateStatus,
    Role,
    Rollout,
    RolloutEvent,
)
from tui import format
from tui.judge.data import Memory, MetricData
from tui.judge.specs import GateSpec, JudgeSpec, MetricSpec
from tui.judge.verdict import Judgement, judge
from tui.session.decisions import (
    PROMOTING,
    Changed,
    Confirmation,
    Decisions,
    Refused,
    Seen,
    changes,
    issue,
    override_event,
    perform,
)
from tui.session.fetching import Fetcher, query_context
from tui.session.links import Backoff, Links, follow
from tui.session.updates import (
    EventsAdded,
    GatesChanged,
    MetricsChanged,
    RolloutChanged,
    Update,
)
from tui.session.windows import MetricWindow

EVENTS_KEPT = 200
LOOK_GRACE = 1.0
"""The clock's own look waits this long past a poll, so a round that ends on time is not
followed by a second judgement of the same data."""


class Session:
    """One watched rollout: its latest snapshot, metric windows and event log."""

    def __init__(
        self,
        deploy: DeployBackend,
        metrics: MetricsBackend,
        rollout_id: str,
        specs: Sequence[MetricSpec],
        clock: Clock,
        *,
        window: timedelta = timedelta(minutes=30),
        read_only: bool = False,
        gates: Sequence[GateSpec] = (),
        judge_spec: JudgeSpec | None = None,
        actor: str = "someone",
        adapter: str = "deploy",
    ) -> None:
        self.deploy = deploy
        self.metrics = metrics
        self.rollout_id = rollout_id
        self.clock = clock
        self.read_only = read_only
        self.gates = list(gates)
        self.judge_spec = judge_spec or JudgeSpec()
        self.actor = actor
        self.adapter = adapter
        """The deploy adapter's configured name, which refusals name."""
        self.judgement: Judgement | None = None
        self.memory = Memory()
        """What the anytime-valid gates gathered on the canary revision `memory_for`."""
        self.memory_for: str | None = None
        self.bake_started: float | None = None
        self.step_changes: deque[float] = deque(maxlen=EVENTS_KEPT)
        """When the rollout moved to a new step: marked on every graph."""
        self.windows = {spec.name: MetricWindow(spec, window) for spec in specs}
        self.rollout: Rollout | None = None
        self.events: deque[RolloutEvent] = deque(maxlen=EVENTS_KEPT)
        self._subscribers: list[Callable[[Update], None]] = []
        self._links = Links(clock, self._publish, self._add_events)
        self.links = self._links.errors
        """Each link's problem as the user reads it ("not answering for 40s"), None when fine."""
        self._seen_events: set[tuple[datetime, str]] = set()
        self._backoff = Backoff(rollout_id)
        self._fetcher = Fetcher(self.windows, clock, self._add_events, self._backoff)
        self._decisions = Decisions()
        self._first_rollout = asyncio.Event()
        self._looked_at = clock.now().timestamp()

    # subscribers

    def subscribe(self, callback: Callable[[Update], None]) -> Callable[[], None]:
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    def _publish(self, update: Update) -> None:
        for callback in list(self._subscribers):
            callback(update)

    # running

    async def run(self) -> None:
        """Follow the rollout and poll its metrics until cancelled."""
        async with asyncio.TaskGroup() as group:
            group.create_task(self._follow())
            group.create_task(self._poll())
            group.create_task(self._judge_by_clock())

    async def snapshot(self, rollout: Rollout | None = None) -> Rollout:
        """Read the rollout once (unless the caller just read it: `rollout`), fetch every
        window once and judge: what `status` prints, and what `promote` answers to."""
        self._accept(rollout or await self.deploy.get_rollout(self.rollout_id))
        await self.refresh_metrics()
        assert self.rollout is not None
        return self.rollout

    async def _follow(self) -> None:
        """Follow the watch stream, reconnecting with backoff (`links.follow`)."""
        await follow(
            lambda: self.deploy.watch_rollout(self.rollout_id),
            self._watched,
            self._watch_failed,
            self.clock,
            self._backoff,
        )

    def _watched(self, rollout: Rollout) -> None:
        self._links.ok("deploy")
        self._accept(rollout)

    def _watch_failed(self, error: BackendError, delay: float, permanent: bool) -> None:
        self._links.failed("deploy", str(error), delay, permanent=permanent)

    async def _poll(self) -> None:
        await self._first_rollout.wait()
        while True:
            await self.refresh_metrics()
            await self.clock.sleep(self.next_round_at - self.clock.now().timestamp())

    @property
    def next_round_at(self) -> float:
        """When the metrics are due again (backed off while the store fails); a poll from now
        before the first round."""
        due = self._fetcher.next_round_at
        if due is None:
            return self.clock.now().timestamp() + self._fetcher.poll_interval
        return due

    async def _judge_by_clock(self) -> None:
        """Look at the clock at least once a poll, whatever the rounds are waiting for.

        A round may wait for its deadline and a failing store backs off for up to a minute;
        data turns stale meanwhile, and the gates and the link must say so when it does.
        """
        await self._first_rollout.wait()
        while True:
            now = self.clock.now().timestamp()
            due = self._looked_at + self._fetcher.poll_interval + LOOK_GRACE
            if now >= due:
                self._look(now)
            else:
                await self.clock.sleep(due - now)

    def _accept(self, rollout: Rollout) -> None:
        """Take a snapshot; one that brings nothing new (a reconnect's first) publishes nothing."""
        previous = self.rollout
        if previous is not None and _unread(previous) == _unread(rollout):
            return
        self.rollout = rollout
        if previous is None or _revisions(previous) != _revisions(rollout):
            for window in self.windows.values():
                window.reset()
        canary = rollout.canary.id if rollout.canary else None
        if canary is not None and canary != self.memory_for:
            self.memory, self.memory_for = Memory(), canary
        if previous is None or previous.current_step != rollout.current_step:
            since = rollout.pause.since if rollout.pause else self.clock.now()
            self.bake_started = since.timestamp()
            if previous is not None or rollout.pause is not None:
                self.step_changes.append(since.timestamp())
        self._first_rollout.set()
        self._publish(RolloutChanged(rollout))
        self._add_events(rollout.events)

    def _add_events(self, events: Sequence[RolloutEvent]) -> None:
        new = [e for e in events if (e.time, e.message) not in self._seen_events]
        if not new:
            return
        for event in new:
            self._seen_events.add((event.time, event.message))
            self.events.append(event)
        if len(self._seen_events) > 4 * EVENTS_KEPT:
            self._seen_events = {(e.time, e.message) for e in self.events}
        self._publish(EventsAdded(tuple(new)))

    # metrics

    async def refresh_metrics(self) -> bool:
        """Fetch each metric's span since its newest sample; True when every query succeeded."""
        if self.rollout is None:
            return False
        fetched = await self._fetcher.fetch(self.metrics, query_context(self.rollout))
        if fetched.changed:
            self._publish(MetricsChanged(frozenset(fetched.changed)))
        self._look(self.clock.now().timestamp(), attempt=bool(fetched.errors))
        return not fetched.errors

    def _look(self, now: float, *, attempt: bool = False) -> None:
        """Judge by the clock: the metrics link and the gates as they stand at `now`.

        A failed round (`attempt`) is published even when its words did not change, so the
        banner's retry time moves on.
        """
        problem = self._fetcher.problem(now)
        if problem is None:
            self._links.ok("metrics")
        elif attempt or problem != self.links["metrics"]:
            retry_in = self._fetcher.retry_in(now)
            self._links.failed("metrics", problem, retry_in, permanent=self._fetcher.refused)
        self._links.settle(now)
        self._looked_at = now
        self.evaluate(now)

    def evaluate(self, now: float) -> Judgement | None:
        """Judge the windows as they are; publish and log only what changed.

        Once the rollout has finished, its last judgement stands: the verdict belongs to the
        canary revision, and what follows (stable's new windows) no longer judges it.
        """
        if not self.gates:
            return None
        if self.judgement is not None and self.rollout is not None and self.rollout.phase.finished:
            return self.judgement
        data = {
            name: MetricData(
                spec=w.spec,
                stable=w.window(Role.STABLE).points if w.spec.split else (),
                canary=w.window(Role.CANARY).points if w.spec.split else (),
                all=() if w.spec.split else w.window(Role.ALL).points,
                last_update=max((s.last[0] for s in w.series.values() if s.last), default=None),
            )
            for name, w in self.windows.items()
        }
        judgement = judge(self.gates, data, now, self.judge_spec, self.bake_started, self.memory)
        previous = self.judgement
        self.judgement = judgement
        before = {g.name: g for g in previous.gates} if previous else {}
        moved = [
            g for g in judgement.gates if g.name in before and before[g.name].status != g.status
        ]
        if moved:
            self._add_events(
                [
                    RolloutEvent(
                        time=datetime.fromtimestamp(now, UTC),
                        message=f"gate {before[g.name].status} → {g.status}: {g.explanation}",
                        level=EventLevel.GATE,
                    )
                    for g in moved
                ]
            )
        if previous is None or _gate_view(previous) != _gate_view(judgement):
            self._publish(GatesChanged(judgement))
        return judgement

    def unhealthy(self) -> tuple[str, ...]:
        """What a promotion now would go against: non-passing gates and bake time left."""
        judgement = self.judgement
        if judgement is None:
            return ()
        names = [g.name for g in judgement.gates if g.status != GateStatus.PASS]
        if judgement.bake_remaining:
            names.append("bake time")
        return tuple(names)

    # actions

    def confirmation(self, action: Capability) -> Confirmation:
        """What the user is about to confirm, fixed to the rollout and gates as they are now."""
        if self.rollout is None:
            raise Refused("the rollout has not been read yet")
        self._look(self.clock.now().timestamp())
        overrides = self.unhealthy() if action in PROMOTING else ()
        return issue(action, self.rollout, overrides, self.seen(action))

    def seen(self, action: Capability) -> Seen | None:
        """The rollout (and for a promotion, its gates) as a prompt shows them now; a yes to
        `action` holds only while they do. Aborting, pausing or retrying does not depend on
        the gates, so a gate that moves does not ask for them again."""
        rollout = self.rollout
        if rollout is None:
            return None
        promoting = action in PROMOTING
        judgement = self.judgement if promoting else None
        gates = [*(judgement.gates if judgement else []), *rollout.controller_gates]
        return Seen(
            phase=rollout.phase.value,
            step=format.position(rollout.current_step, rollout.step_count),
            stable=rollout.stable.id,
            canary=rollout.canary.id if rollout.canary else None,
            verdict=judgement.status.value if judgement else None,
            gates=tuple((g.name, g.status.value) for g in gates) if promoting else (),
            baking=bool(judgement and judgement.bake_remaining),
        )

    def moved_since(self, confirmation: Confirmation) -> list[str]:
        """What changed since `confirmation` was issued, judged by the clock now."""
        self._look(self.clock.now().timestamp())
        after = self.seen(confirmation.action)
        if confirmation.seen is None or after is None:
            return []
        return changes(confirmation.seen, after)

    async def execute(self, confirmation: Confirmation) -> Rollout:
        """Carry out one confirmation, at most once, never on a stale picture, and never on
        one that moved after the prompt showed it."""
        moved = self.moved_since(confirmation)
        self._decisions.check(
            confirmation,
            read_only=self.read_only,
            links=self.links,
            service=self.rollout_service,
            capabilities=self.deploy.capabilities,
            adapter=self.adapter,
        )
        rollout_moved = self.rollout is None or Expectation.of(self.rollout) != confirmation.expect
        if moved and not rollout_moved:
            # A rollout that moved is the backend's to refuse, against `expect`; what only the
            # session sees, a verdict or a gate that moved, is refused here.
            raise Changed(moved)
        async with self._decisions.spending(confirmation):
            if confirmation.overriding:
                self._add_events([override_event(confirmation, self.clock.now(), self.actor)])
            rollout = await perform(
                self.deploy, self.rollout_id, confirmation.action, confirmation.expect
            )
        self._accept(rollout)
        return rollout

    @property
    def rollout_service(self) -> str:
        return self.rollout.service if self.rollout else ""


def _gate_view(judgement: Judgement) -> tuple[object, ...]:
    gates = tuple((g.name, g.status, g.explanation) for g in judgement.gates)
    return gates, judgement.status, judgement.explanation


def _unread(rollout: Rollout) -> Rollout:
    """The rollout without the moment it was read, which every snapshot may move on."""
    return rollout.model_copy(update={"updated_at": None})


def _revisions(rollout: Rollout) -> tuple[str, str | None]:
    return rollout.stable.id, rollout.canary.id if rollout.canary else None
