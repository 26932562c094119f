"""`rollwatch promote` answers to the gates, as the watch screen does.

The command judges the rollout it read with the configured gates (one fetch of every metric)
and refuses (exit 1, every gate that does not pass on stderr) while one does not, or the
judge's bake is not over. `--override "reason"` promotes anyway, and the override is recorded
as the screen records it: who, when, over which gates, and here also why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from backends.base import Capability
from backends.model import Expectation, GateStatus, Rollout
from backends.text_safety import printable
from tui import format
from tui.session.decisions import Changed, Confirmation
from tui.session.live import Session
from tui.session.wiring import Wiring


@dataclass(frozen=True)
class Judged:
    """A promotion judged before anything is sent: the yes to carry out, or why there is none."""

    session: Session
    confirmation: Confirmation | None
    refused: str | None = None


@dataclass(frozen=True)
class Promoted:
    after: Rollout | None
    refused: str | None = None
    override: str | None = None
    """The override's record as one line, when the gates were overridden."""


async def judge_promotion(
    wired: Wiring, rollout: Rollout, action: Capability, expect: Expectation, reason: str | None
) -> Judged:
    """Judge `rollout` as just read; the yes is refused while a gate does not pass, unless
    `reason` overrides them (which counts as the name a person types on the screen)."""
    session = wired.session(rollout.id, read_only=wired.config.ui.read_only)
    judged = await session.snapshot(rollout)
    confirmation = session.confirmation(action)
    if confirmation.overrides and reason is None:
        return Judged(session, None, refusal(session, judged))
    overriding = reason if confirmation.overrides else None
    yes = replace(confirmation, expect=expect, typed=judged.service, reason=overriding)
    return Judged(session, yes)


async def promote(judged: Judged) -> Promoted:
    """Carry out the judged yes; the session refuses it if the gates moved meanwhile."""
    assert judged.confirmation is not None
    session = judged.session
    try:
        after = await session.execute(judged.confirmation)
    except Changed as changed:
        return Promoted(None, refused=f"not promoting {printable(session.rollout_id)}: {changed}")
    record = next((e for e in session.events if e.message.startswith("override:")), None)
    if record is None:
        return Promoted(after)
    line = f"{record.time:%Y-%m-%dT%H:%M:%SZ} {record.message} (by {record.actor})"
    return Promoted(after, override=line)


def refusal(session: Session, rollout: Rollout) -> str:
    """Why the promotion was refused: the verdict, each gate that does not pass, the bake."""
    judgement = session.judgement
    lines = [f"not promoting {printable(rollout.id)}: not every gate passes"]
    if judgement is not None:
        lines.append(f"  verdict  {judgement.status.value.upper()}: {judgement.explanation}")
        lines.extend(
            f"    {g.status.value:<8} {printable(g.explanation)}"
            for g in judgement.gates
            if g.status != GateStatus.PASS
        )
        if judgement.bake_remaining:
            lines.append(f"    judge's bake {format.duration(judgement.bake_remaining)} left")
    lines.append(f'to promote anyway, say why: rollwatch promote {rollout.id} --override "reason"')
    return "\n".join(lines)
