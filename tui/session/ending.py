"""How a finished rollout ended, in one line that keeps the evidence it was judged on.

A completed or aborted rollout has no canary left to query, so what the session judged last is
all there is: the line names the gates that failed, or the override someone promoted over,
instead of "no samples".
"""

from __future__ import annotations

from collections.abc import Iterable

from backends.model import GateStatus, Phase, Rollout, RolloutEvent
from tui.judge.verdict import Judgement
from tui.session.decisions import OVERRIDE_PREFIX

_WORDS = {Phase.HEALTHY: "completed", Phase.ABORTED: "aborted", Phase.DEGRADED: "degraded"}


def ending(
    rollout: Rollout, judgement: Judgement | None, events: Iterable[RolloutEvent]
) -> str | None:
    """`None` while the rollout runs; otherwise how it ended and on what evidence.

    "completed over an override of p99 latency by ana.silva" tells on-call that a canary
    shipped over a failing gate; "aborted: errors: canary 1.3 % vs stable 0.2 % ..." keeps the
    numbers that stopped it.
    """
    if not rollout.phase.finished:
        return None
    word = _WORDS.get(rollout.phase, rollout.phase.value)
    overrides = [e for e in events if e.message.startswith(OVERRIDE_PREFIX)]
    if rollout.phase == Phase.HEALTHY and overrides:
        last = overrides[-1]
        what = last.message.removeprefix(OVERRIDE_PREFIX)
        return f"{word} over an override of {what} by {last.actor or 'someone'}"
    failing = [g for g in judgement.gates if g.status == GateStatus.FAIL] if judgement else []
    if failing:
        return f"{word}: " + "; ".join(g.explanation for g in failing)
    if judgement is not None and judgement.status == GateStatus.PASS:
        return f"{word}: {judgement.explanation}"
    return f"{word}: {rollout.message}" if rollout.message else word
