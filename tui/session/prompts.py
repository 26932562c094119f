"""Exactly what an action will do, in words, before the user confirms it."""

from __future__ import annotations

from backends.model import Rollout
from tui import format
from tui.session.decisions import Action


def describe(action: Action, rollout: Rollout) -> str:
    """One sentence naming the service, the step it goes to and the traffic that follows."""
    total = rollout.step_count
    current = rollout.current_step if rollout.current_step is not None else 0
    canary = format.revision(rollout.canary.id if rollout.canary else None)
    if action == Action.ABORT:
        return (
            f"abort {rollout.service}: send all traffic back to stable "
            f"{format.revision(rollout.stable.id)} (canary {canary} has "
            f"{format.weight(rollout.actual_weight)} now)"
        )
    if action == Action.PROMOTE_FULL or current + 1 >= total:
        return (
            f"promote {rollout.service} fully: skip the remaining steps and send 100 % of "
            f"traffic to {canary}"
        )
    nxt = rollout.steps[current + 1]
    weight = next(
        (s.weight for s in reversed(rollout.steps[: current + 2]) if s.weight is not None),
        rollout.actual_weight,
    )
    what = nxt.label if nxt.weight is not None else f"{nxt.label} at {format.weight(weight)}"
    return f"promote {rollout.service} to step {current + 2} of {total}: {what}"
