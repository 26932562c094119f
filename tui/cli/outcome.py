"""What became of an action whose answer never came back: applied, not applied, or unknown.

A promote can reach the deploy system and its answer still be lost on the way back (a timeout,
a proxy that drops the connection). Running the command again would then act twice, so the
command reads the rollout once more and says which it was. The action carried the expectation
it was decided on, so a second try on a rollout that did move on is refused rather than
applied; the message still says so, because a script should not have to find that out.

Exit codes of the action commands: 0 done, 1 refused (the rollout moved on, or a gate does not
pass a promote), 2 a usage error, 4 failed and not applied (trying again is safe), 5 the answer
was lost and the rollout has moved since, or cannot be read: the action may have been applied.
"""

from __future__ import annotations

from dataclasses import dataclass

from backends.base import Capability, DeployBackend
from backends.errors import BackendError, Unreachable
from backends.model import Rollout
from tui.cli import output
from tui.cli.records import record
from tui.session.decisions import VERBS

EXIT_NOT_APPLIED = 4
EXIT_MAYBE_APPLIED = 5


@dataclass(frozen=True)
class Outcome:
    code: int
    message: str


def _where(rollout: Rollout) -> tuple[object, ...]:
    """What any of the actions changes: the phase, the step, the canary, whether it is held."""
    canary = rollout.canary.id if rollout.canary else None
    return rollout.phase, rollout.current_step, canary, rollout.pause is not None


async def after_lost_answer(
    deploy: DeployBackend, action: Capability, before: Rollout, lost: Unreachable
) -> Outcome:
    """Read the rollout again and tell whether the action whose answer was lost took effect.

    `before` is the rollout as read just before acting, what the action's expectation held.
    A rollout that moved may have moved by itself (a timer, another person): "may have been
    applied" is as much as anyone can say, and enough to stop a blind second try.
    """
    verb = VERBS[action]
    lost_how = f"the {verb} of {before.id} got no answer ({lost})"
    check = f"check `rollwatch status {before.id}` before acting again"
    try:
        now = await deploy.get_rollout(before.id)
    except BackendError as error:
        return Outcome(
            EXIT_MAYBE_APPLIED,
            f"{lost_how}, and the rollout cannot be read now ({error}): the {verb} may have "
            f"been applied; {check}",
        )
    if _where(now) != _where(before):
        return Outcome(
            EXIT_MAYBE_APPLIED,
            f"{lost_how}; the {verb} may have been applied: the rollout is now "
            f"{output.moved(record(now))} (it was {output.moved(record(before))}); {check}",
        )
    return Outcome(
        EXIT_NOT_APPLIED,
        f"{lost_how}; not applied: the rollout is still {output.moved(record(now))}; "
        "trying again is safe",
    )
