"""Every rollout at once, ordered by what it asks of a person: the overview's list.

On-call opens rollwatch without knowing which rollout hurts. This keeps the deploy system's
whole list up to date from its list watch (a relist on a timer where the backend has none, or
its server turns out to have none), ranks each rollout, and tells its subscribers which rows
changed, so a screen with two hundred rollouts redraws the few that moved. No Textual: the
ordering is tested on its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from backends.base import DeployBackend, RolloutsChange, WatchesRollouts
from backends.clock import Clock
from backends.errors import BackendError, Unsupported
from backends.model import GateStatus, Phase, Rollout, RolloutSummary
from tui.session.links import Backoff, follow

RELIST = 10.0
"""Seconds between lists for a deploy backend that cannot watch its list."""


class Urgency(IntEnum):
    """The overview's three groups, in the order they are shown."""

    NEEDS_YOU = 0
    IN_PROGRESS = 1
    DONE = 2


NEEDS = ("failing", "degraded", "inconclusive", "waiting for you")
"""Why a rollout needs a person, most pressing first."""


@dataclass(frozen=True)
class Row:
    """One rollout as the overview ranks it.

    `verdict` is rollwatch's own judgement where a session judged the rollout in this run
    (`judged`), else the controller's analysis, else None.
    """

    summary: RolloutSummary
    verdict: GateStatus | None = None
    judged: bool = False

    @property
    def id(self) -> str:
        return self.summary.id

    @property
    def need(self) -> str | None:
        """Why this rollout needs a person now, or None when it does not."""
        summary = self.summary
        if summary.phase in (Phase.HEALTHY, Phase.ABORTED):
            return None
        if self.verdict == GateStatus.FAIL:
            return "failing"
        if summary.phase == Phase.DEGRADED:
            return "degraded"
        if self.verdict == GateStatus.MARGINAL:
            return "inconclusive"
        if summary.awaits_decision:
            return "waiting for you"
        return None

    @property
    def urgency(self) -> Urgency:
        if self.need is not None:
            return Urgency.NEEDS_YOU
        return Urgency.DONE if self.summary.phase.finished else Urgency.IN_PROGRESS

    def sort_key(self) -> tuple[int, int, float, str]:
        """Needs-you rows by how pressing, then longest waiting first; the others newest first."""
        summary, urgency = self.summary, self.urgency
        if urgency == Urgency.NEEDS_YOU:
            since = summary.pause.since if summary.pause else summary.started_at
            return urgency, NEEDS.index(self.need or ""), _seconds(since), summary.id
        latest = summary.updated_at if urgency == Urgency.DONE else summary.started_at
        return urgency, 0, -_seconds(latest), summary.id

    def matches(self, words: list[str]) -> bool:
        """Every word is in one of the row's fields: id, service, author, phase, verdict, ..."""
        summary, change = self.summary, self.summary.change
        fields = [
            summary.id,
            summary.service,
            summary.namespace,
            summary.kind,
            summary.strategy,
            summary.phase.value,
            self.verdict.value if self.verdict else None,
            self.need,
            change.author,
            change.merged_by,
            change.title,
            change.sha,
        ]
        text = " ".join(f for f in fields if f).lower()
        return all(word in text for word in words)


def _seconds(t: datetime | None) -> float:
    return t.timestamp() if t is not None else 0.0


@dataclass(frozen=True)
class RowsChanged:
    """Rows added or changed (`changed`) and rows gone (`removed`), by rollout id."""

    changed: frozenset[str]
    removed: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ListLink:
    """The list could not be followed (`error`), or can again (None)."""

    error: str | None
    retry_in: float | None = None


OverviewUpdate = RowsChanged | ListLink


class Overview:
    """The deploy system's rollouts, followed and ranked; what the overview screen shows."""

    def __init__(self, deploy: DeployBackend, clock: Clock) -> None:
        self.deploy = deploy
        self.clock = clock
        self.rows: dict[str, Row] = {}
        self.error: str | None = None
        self.listed = False
        """The first list has arrived: an empty overview then means no rollouts at all."""
        self._subscribers: list[Callable[[OverviewUpdate], None]] = []
        self._backoff = Backoff("overview")
        self._relisting = False
        """The backend's server said it has no list watch: follow by relisting for the run."""

    def subscribe(self, callback: Callable[[OverviewUpdate], None]) -> Callable[[], None]:
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    def _publish(self, update: OverviewUpdate) -> None:
        for callback in list(self._subscribers):
            callback(update)

    def ordered(self, query: str = "") -> list[Row]:
        """The rows to show, most pressing first, those matching every word of `query`."""
        words = query.lower().split()
        rows = [row for row in self.rows.values() if not words or row.matches(words)]
        return sorted(rows, key=Row.sort_key)

    def counts(self) -> dict[Urgency, int]:
        counts = dict.fromkeys(Urgency, 0)
        for row in self.rows.values():
            counts[row.urgency] += 1
        return counts

    # what sessions add

    def judged(self, rollout_id: str, verdict: GateStatus) -> None:
        """A session's verdict on one rollout: it outranks the controller's own analysis."""
        row = self.rows.get(rollout_id)
        if row is not None and (row.verdict, row.judged) != (verdict, True):
            self.rows[rollout_id] = Row(row.summary, verdict, judged=True)
            self._publish(RowsChanged(frozenset({rollout_id})))

    def seen(self, rollout: Rollout) -> None:
        """A session's snapshot, often fresher than the list's: the row follows it at once."""
        self._take(rollout.summary())

    # following the list

    async def run(self) -> None:
        """Follow the list until cancelled, reconnecting with backoff.

        As with one rollout's watch, the backoff starts again only after a stream held for
        `HEALTHY_AFTER`, and refused credentials are retried at the slowest pace only.
        """
        await follow(self._changes, self._changed, self._failed, self.clock, self._backoff)

    def _changed(self, change: RolloutsChange) -> None:
        self._ok()
        self._apply(change)

    def _failed(self, error: BackendError, delay: float, permanent: bool) -> None:
        self.error = str(error)
        self._publish(ListLink(self.error, delay))

    def _changes(self) -> AsyncIterator[RolloutsChange]:
        if isinstance(self.deploy, WatchesRollouts) and not self._relisting:
            return self._watched(self.deploy)
        return self._relisted()

    async def _watched(self, deploy: WatchesRollouts) -> AsyncIterator[RolloutsChange]:
        """The list watch; where the server turns out to have none (an HTTP deployer written
        before it), the list is followed by relisting from then on, the first list at once.

        That is how this deployer works, not an outage: the list link is not shown as failed.
        """
        try:
            async for change in deploy.watch_rollouts():
                yield change
            return
        except Unsupported:
            self._relisting = True
        async for change in self._relisted():
            yield change

    async def _relisted(self) -> AsyncIterator[RolloutsChange]:
        while True:
            yield await self.deploy.list_rollouts()
            await self.clock.sleep(RELIST)

    def _ok(self) -> None:
        if self.error is not None:
            self.error = None
            self._publish(ListLink(None))

    def _apply(self, change: RolloutsChange) -> None:
        if isinstance(change, RolloutSummary):
            self._take(change)
            return
        fresh = {summary.id: summary for summary in change}
        removed = frozenset(self.rows.keys() - fresh.keys())
        changed = {rid for rid, s in fresh.items() if rid not in self.rows or self._differs(s)}
        for rid in removed:
            del self.rows[rid]
        for rid in changed:
            self.rows[rid] = self._row(fresh[rid])
        first = not self.listed
        self.listed = True
        if changed or removed or first:
            self._publish(RowsChanged(frozenset(changed), removed))

    def _take(self, summary: RolloutSummary) -> None:
        if summary.id in self.rows and not self._differs(summary):
            return
        self.rows[summary.id] = self._row(summary)
        self._publish(RowsChanged(frozenset({summary.id})))

    def _differs(self, summary: RolloutSummary) -> bool:
        return self.rows[summary.id].summary != summary

    def _row(self, summary: RolloutSummary) -> Row:
        """The row for a new summary; a verdict a session gave stays until a new canary.

        The controller's analysis stands in only where no session judged this canary.
        """
        old = self.rows.get(summary.id)
        if old is not None and old.judged and _same_canary(old.summary, summary):
            return Row(summary, old.verdict, judged=True)
        return Row(summary, summary.analysis)


def _same_canary(before: RolloutSummary, after: RolloutSummary) -> bool:
    """Whether `after` still concerns the canary judged in `before`: the same canary, or the
    rollout that ended with it (promoted to stable, or aborted and gone)."""
    if after.canary_revision == before.canary_revision:
        return True
    ended = after.phase.finished and not before.phase.finished
    return ended and (
        after.canary_revision is None or after.stable_revision == before.canary_revision
    )
