"""The moments worth interrupting someone for: a gate fails, the rollout waits for them, it ends.

A session publishes every change; a person (or a pipeline's hook) wants four of them, each once:
a gate turning to fail, the rollout starting to wait for a decision, and the rollout completing
or being aborted (or degrading). `Notices` follows one session's updates and calls back with a
`Notice` for each such moment; the screen turns them into a toast, a bell and a desktop
notification, `wait` into a command run with the notice as JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from backends.model import GateStatus, Phase, Rollout
from tui.session.live import Session
from tui.session.updates import GatesChanged, RolloutChanged, Update


class NoticeKind(StrEnum):
    GATE_FAILED = "gate_failed"
    WAITING = "waiting"
    COMPLETED = "completed"
    ABORTED = "aborted"
    DEGRADED = "degraded"

    @property
    def bad(self) -> bool:
        return self in (NoticeKind.GATE_FAILED, NoticeKind.ABORTED, NoticeKind.DEGRADED)


@dataclass(frozen=True)
class Notice:
    """One moment, in one line a person reads in a toast or a desktop notification."""

    kind: NoticeKind
    rollout_id: str
    service: str
    title: str
    message: str
    time: datetime


ENDS = {
    Phase.HEALTHY: (NoticeKind.COMPLETED, "rolled out"),
    Phase.ABORTED: (NoticeKind.ABORTED, "aborted"),
    Phase.DEGRADED: (NoticeKind.DEGRADED, "degraded"),
}


class Notices:
    """Follows one session; calls `tell` once per moment, never for what was already so.

    A rollout that already waits when first seen is told (a pipeline's hook wants to know) unless
    `already` is off; one already finished is not (there is nothing left to decide). A session
    followed after it started (one judged in the background, then opened) counts what it already
    shows as seen: only what happens from then on is told. A gate found failing once the rollout
    has ended is not told: nothing is left to decide, and its end was told.
    """

    def __init__(
        self, session: Session, tell: Callable[[Notice], None], *, already: bool = True
    ) -> None:
        """`already=False` keeps quiet about a wait that was there when the rollout was first
        seen: on screen the person who opened it is looking at it."""
        self.session = session
        self._tell = tell
        self._already = already
        self._rollout: Rollout | None = session.rollout
        judgement = session.judgement
        gates = judgement.gates if judgement else []
        self._failed: set[str] = {g.name for g in gates if g.status == GateStatus.FAIL}

    def __call__(self, update: Update) -> None:
        if isinstance(update, RolloutChanged):
            self._rollout_changed(update.rollout)
        elif isinstance(update, GatesChanged):
            failed = {g.name: g for g in update.judgement.gates if g.status == GateStatus.FAIL}
            ended = self._rollout is not None and self._rollout.phase.finished
            if not ended:
                for name in failed.keys() - self._failed:
                    self._notice(NoticeKind.GATE_FAILED, "gate failed", failed[name].explanation)
            self._failed = set(failed)

    def _rollout_changed(self, rollout: Rollout) -> None:
        before, self._rollout = self._rollout, rollout
        if before is not None and _canary(before) != _canary(rollout):
            self._failed = set()
        began = rollout.awaits_decision and not (before is not None and before.awaits_decision)
        if began and (before is not None or self._already):
            step = rollout.step_at(rollout.current_step)
            what = step.label if step else rollout.message
            self._notice(NoticeKind.WAITING, "waits for you", what or "paused for a decision")
        if before is not None and rollout.phase in ENDS and before.phase != rollout.phase:
            kind, said = ENDS[rollout.phase]
            self._notice(kind, said, rollout.message or said)

    def _notice(self, kind: NoticeKind, said: str, message: str) -> None:
        rollout = self._rollout or self.session.rollout
        service = rollout.service if rollout else self.session.rollout_id
        self._tell(
            Notice(
                kind=kind,
                rollout_id=self.session.rollout_id,
                service=service,
                title=f"{service} {said}",
                message=message,
                time=self.session.clock.now(),
            )
        )


def _canary(rollout: Rollout) -> str | None:
    """A new canary revision is judged afresh: its gates may fail again, and are told again."""
    return rollout.canary.id if rollout.canary else None
