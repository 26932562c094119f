"""Exactly what an action will do, in words, before the user confirms it."""

from __future__ import annotations

from dataclasses import dataclass

from backends.base import Capability
from backends.model import Rollout
from tui import format


@dataclass(frozen=True)
class Wording:
    """How a prompt for one action reads: its title, its button, and whether it undoes work."""

    title: str
    button: str
    danger: bool = False


WORDING = {
    Capability.PROMOTE: Wording("Promote?", "Promote"),
    Capability.PROMOTE_FULL: Wording("Promote fully?", "Promote"),
    Capability.ABORT: Wording("Abort?", "Abort", danger=True),
    Capability.PAUSE: Wording("Pause?", "Pause"),
    Capability.RESUME: Wording("Resume?", "Resume"),
    Capability.RETRY: Wording("Retry?", "Retry"),
}
"""The actions the watch screen offers; the command line's verbs are the same values."""


def describe(action: Capability, rollout: Rollout) -> str:
    """One sentence naming the service, the step it goes to and the traffic that follows."""
    total = rollout.step_count
    current = rollout.current_step if rollout.current_step is not None else 0
    canary = format.revision(rollout.canary.id if rollout.canary else None)
    if action == Capability.ABORT:
        return (
            f"abort {rollout.service}: send all traffic back to stable "
            f"{format.revision(rollout.stable.id)} (canary {canary} has "
            f"{format.weight(rollout.actual_weight)} now)"
        )
    if action == Capability.PAUSE:
        return (
            f"pause {rollout.service} at step {format.position(current, total)}: no step, "
            f"timer or analysis moves it on until it is resumed (canary "
            f"{format.weight(rollout.actual_weight)})"
        )
    if action == Capability.RESUME:
        return f"resume {rollout.service}: let it go on from step {format.position(current, total)}"
    if action == Capability.RETRY:
        return (
            f"retry {rollout.service}: start canary {canary} again from step "
            f"{format.position(0, total)}"
        )
    if action == Capability.PROMOTE_FULL or current + 1 >= total:
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
    number = format.step_number(current + 1, total)
    return f"promote {rollout.service} to step {number} of {total}: {what}"
