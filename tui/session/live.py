"""The live session: follows one rollout, keeps its metric windows, and acts for the user.

It owns all I/O scheduling so that widgets only render what they are given, and so that the
headless commands run exactly the logic the screen shows. Every outside failure becomes a
`LinkChanged` update and a retry with backoff; nothing here ever needs a restart.
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from backends.base import Capability, DeployBackend, MetricsBackend
from backends.clock import Clock
from backends.errors import BackendError
from backends.model import (
    EventLevel,
    GateStatus,
    QueryContext,
    Role,
    Rollout,
    RolloutEvent,
)
from tui.judge.specs import GateSpec, JudgeSpec, MetricSpec
from tui.judge.verdict import Judgement, MetricData, judge
from tui.session.decisions import (
    PROMOTING,
    Confirmation,
    Decisions,
    Refused,
    issue,
    override_event,
)
from tui.session.fetching import Fetcher, summarise
from tui.session.updates import (
    EventsAdded,
    GatesChanged,
    LinkChanged,
    MetricsChanged,
    RolloutChanged,
    Update,
)
from tui.session.windows import MetricWindow

EVENTS_KEPT = 200
BACKOFF_START = 1.0
BACKOFF_MAX = 60.0


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
        self.bake_started: float | None = None
        self.step_changes: deque[float] = deque(maxlen=EVENTS_KEPT)
        """When the rollout moved to a new step: marked on dependency graphs."""
        self.windows = {spec.name: MetricWindow(spec, window) for spec in specs}
        self.rollout: Rollout | None = None
        self.events: deque[RolloutEvent] = deque(maxlen=EVENTS_KEPT)
        self.links: dict[str, str | None] = {"deploy": None, "metrics": None}
        self._subscribers: list[Callable[[Update], None]] = []
        self._seen_events: set[tuple[datetime, str]] = set()
        self._fetcher = Fetcher(clock, self._add_events)
        self._decisions = Decisions()
        self._first_rollout = asyncio.Event()
        self._jitter = random.Random(rollout_id)

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

    async def snapshot(self) -> Rollout:
        """Read the rollout once, fetch every window once and judge: what `status` prints."""
        self._accept(await self.deploy.get_rollout(self.rollout_id))
        await self.refresh_metrics()
        assert self.rollout is not None
        return self.rollout

    async def _follow(self) -> None:
        failures = 0
        while True:
            try:
                async for rollout in self.deploy.watch_rollout(self.rollout_id):
                    failures = 0
                    self._link("deploy", None)
                    self._accept(rollout)
                raise BackendError("the watch stream ended")
            except BackendError as error:
                failures += 1
                delay = self._backoff(failures)
                self._link("deploy", str(error), delay)
                await self.clock.sleep(delay)

    async def _poll(self) -> None:
        await self._first_rollout.wait()
        failures = 0
        while True:
            ok = await self.refresh_metrics()
            failures = 0 if ok else failures + 1
            delay = self._backoff(failures) if failures else self.poll_interval
            await self.clock.sleep(delay)

    @property
    def poll_interval(self) -> float:
        resolutions = [w.spec.resolution.total_seconds() for w in self.windows.values()]
        return min(resolutions, default=10.0)

    def _backoff(self, failures: int) -> float:
        base = min(BACKOFF_MAX, BACKOFF_START * 2 ** (failures - 1))
        return base * (0.5 + self._jitter.random() / 2)

    def _link(self, source: str, error: str | None, retry_in: float | None = None) -> None:
        """Publish every failed attempt (its retry time moves on); log an outage once."""
        before = self.links.get(source)
        if before == error and error is None:
            return
        self.links[source] = error
        self._publish(LinkChanged(source, error, retry_in))
        if error is not None and error != before:
            self._add_events(
                [
                    RolloutEvent(
                        time=self.clock.now(),
                        message=f"{source}: {error}",
                        level=EventLevel.WARNING,
                    )
                ]
            )

    def _accept(self, rollout: Rollout) -> None:
        previous = self.rollout
        self.rollout = rollout
        if previous is None or _revisions(previous) != _revisions(rollout):
            for window in self.windows.values():
                window.reset()
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

    def context(self) -> QueryContext:
        rollout = self.rollout
        assert rollout is not None
        return QueryContext(
            service=rollout.service,
            namespace=rollout.namespace or "",
            workload=rollout.canary.workload or rollout.name if rollout.canary else rollout.name,
            stable_revision=rollout.stable.id,
            canary_revision=rollout.canary.id if rollout.canary else None,
            stable_workload=rollout.stable.workload,
            canary_workload=rollout.canary.workload if rollout.canary else None,
        )

    async def refresh_metrics(self) -> bool:
        """Fetch each metric's span since its newest sample; True when every query succeeded."""
        if self.rollout is None:
            return False
        now = self.clock.now().timestamp()
        fetched = await self._fetcher.fetch(self.windows, self.metrics, self.context(), now)
        if fetched.errors:
            self._link("metrics", summarise(fetched.errors, len(self.windows)), self._backoff(1))
        else:
            self._link("metrics", None)
        if fetched.changed:
            self._publish(MetricsChanged(frozenset(fetched.changed)))
        self.evaluate(now)
        return not fetched.errors

    def evaluate(self, now: float) -> Judgement | None:
        """Judge the windows as they are; publish and log only what changed."""
        if not self.gates:
            return None
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
        judgement = judge(self.gates, data, now, self.judge_spec, self.bake_started)
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
        """What the user is about to confirm, fixed at the moment the prompt opens."""
        if self.rollout is None:
            raise Refused("the rollout has not been read yet")
        overrides = self.unhealthy() if action in PROMOTING else ()
        return issue(action, self.rollout, overrides)

    async def execute(self, confirmation: Confirmation) -> Rollout:
        """Carry out one confirmation, at most once, and never on a stale picture."""
        self._decisions.check(
            confirmation,
            read_only=self.read_only,
            links=self.links,
            service=self.rollout_service,
            capabilities=self.deploy.capabilities,
            adapter=self.adapter,
        )
        async with self._decisions.spending(confirmation):
            if confirmation.overriding:
                self._add_events([override_event(confirmation, self.clock.now(), self.actor)])
            if confirmation.action == Capability.ABORT:
                rollout = await self.deploy.abort(self.rollout_id, expect=confirmation.expect)
            else:
                rollout = await self.deploy.promote(
                    self.rollout_id,
                    expect=confirmation.expect,
                    full=confirmation.action == Capability.PROMOTE_FULL,
                )
        self._accept(rollout)
        return rollout

    @property
    def rollout_service(self) -> str:
        return self.rollout.service if self.rollout else ""


def _gate_view(judgement: Judgement) -> tuple[object, ...]:
    gates = tuple((g.name, g.status, g.explanation) for g in judgement.gates)
    return gates, judgement.status, judgement.explanation


def _revisions(rollout: Rollout) -> tuple[str, str | None]:
    return rollout.stable.id, rollout.canary.id if rollout.canary else None
