"""rollwatch's own verdict on every rollout in progress, for the overview's verdict column.

The overview must put a failing canary first whoever opened it, and the controller's analysis is
not enough for that: many rollouts run none, and rollwatch's gates are what the person trusts on
the watch screen. So each rollout in progress gets the same `Session` the watch screen runs,
judged in the background: the verdict in the list is the verdict on the screen.

Cheap enough for two hundred rollouts: a background session reads its rollout only when the list
says it moved (a step, a revision, a pause, a phase), fetches only the samples it lacks, and at
most `AT_ONCE` rollouts are judged at a time, so the store never sees two hundred rounds at once.
Opening a rollout adopts its session: the watch screen starts with its graphs filled and its
evidence gathered, and the verdict does not start over because someone looked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from backends.errors import BackendError
from backends.model import RolloutSummary
from tui.session.live import Session
from tui.session.overview import Overview, OverviewUpdate, RowsChanged
from tui.session.updates import GatesChanged, Update

AT_ONCE = 4
"""Rollouts judged at the same time; the others wait their turn."""
PACE = 30.0
"""Seconds between a background session's rounds, unless its store backs it off for longer: a
row's verdict moves within half a minute, at a third of the queries an opened rollout makes,
and well inside the minute after which a sample counts as stale and the gate as pending."""

Position = tuple[object, ...]


def position(summary: RolloutSummary) -> Position:
    """What, when it changes in the list, makes the session read the whole rollout again:
    its revisions (the queries' labels), its step and pause (the bake), its phase."""
    return (
        summary.phase,
        summary.current_step,
        summary.stable_revision,
        summary.canary_revision,
        summary.awaits_decision,
        summary.pause,
    )


class Judges:
    """A background session per rollout in progress, each verdict told to the overview."""

    def __init__(
        self,
        overview: Overview,
        open_session: Callable[[str], Session],
        *,
        at_once: int = AT_ONCE,
        pace: float = PACE,
    ) -> None:
        self._overview = overview
        self._pace = pace
        self._open = open_session
        self._slots = asyncio.Semaphore(at_once)
        self.sessions: dict[str, Session] = {}
        """Every session this made, judged in the background unless adopted."""
        self._adopted: set[str] = set()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._group: asyncio.TaskGroup | None = None

    def adopt(self, rollout_id: str) -> Session:
        """The rollout's session for its watch screen, which runs it from now on.

        Its background judging stops here, so one session is never driven twice.
        """
        task = self._tasks.pop(rollout_id, None)
        if task is not None:
            task.cancel()
        self._adopted.add(rollout_id)
        return self.sessions.get(rollout_id) or self._session(rollout_id)

    @property
    def judging(self) -> frozenset[str]:
        """The rollouts judged in the background right now."""
        return frozenset(self._tasks)

    async def run(self) -> None:
        """Judge every rollout in progress the overview lists, until cancelled."""
        unsubscribe = self._overview.subscribe(self._listed)
        try:
            async with asyncio.TaskGroup() as group:
                self._group = group
                self._start(self._overview.rows)
                await asyncio.Event().wait()
        finally:
            self._group = None
            unsubscribe()

    def _listed(self, update: OverviewUpdate) -> None:
        if not isinstance(update, RowsChanged):
            return
        for rollout_id in update.removed:
            task = self._tasks.pop(rollout_id, None)
            if task is not None:
                task.cancel()
            if rollout_id not in self._adopted:
                self.sessions.pop(rollout_id, None)
        self._start(update.changed)

    def _start(self, rollout_ids: Iterable[str]) -> None:
        if self._group is None:
            return
        for rollout_id in rollout_ids:
            row = self._overview.rows.get(rollout_id)
            if row is None or row.summary.phase.finished:
                continue
            if rollout_id in self._tasks or rollout_id in self._adopted:
                continue
            task = self._group.create_task(self._judge(rollout_id), name=f"judge {rollout_id}")
            self._tasks[rollout_id] = task

    def _session(self, rollout_id: str) -> Session:
        session = self._open(rollout_id)
        self.sessions[rollout_id] = session

        def tell(update: Update) -> None:
            if isinstance(update, GatesChanged):
                self._overview.judged(rollout_id, update.judgement.status)

        session.subscribe(tell)
        return session

    async def _judge(self, rollout_id: str) -> None:
        """Judge one rollout every `pace` seconds until it finishes or leaves the list.

        A rollout that cannot be read this round is tried again the next: the list's link
        already tells the person when the deploy system is down.
        """
        session = self.sessions.get(rollout_id) or self._session(rollout_id)
        if not session.gates:
            self._tasks.pop(rollout_id, None)
            return
        clock = self._overview.clock
        read_at: Position | None = None
        try:
            while (row := self._overview.rows.get(rollout_id)) is not None:
                began = clock.now().timestamp()
                listed = position(row.summary)
                async with self._slots:
                    try:
                        if session.rollout is None or listed != read_at:
                            await session.snapshot()
                            read_at = listed
                        else:
                            await session.refresh_metrics()
                    except BackendError:
                        read_at = None
                if row.summary.phase.finished and read_at == listed:
                    return
                due = max(session.next_round_at, began + self._pace)
                await clock.sleep(due - clock.now().timestamp())
        finally:
            if self._tasks.get(rollout_id) is asyncio.current_task():
                del self._tasks[rollout_id]
                if rollout_id not in self._adopted:
                    self.sessions.pop(rollout_id, None)
