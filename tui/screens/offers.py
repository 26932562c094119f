"""What the watch screen offers now, and why it does not offer the rest.

An action that can never be done here (read-only mode, an adapter that lacks it) or has nothing
to act on (the rollout completed) is hidden from the footer, the palette and the help; its key
still answers, with the reason in one line, so a key never does nothing silently. A link that
is down does not hide an action (it comes back), but refuses it at once, before any prompt.
"""

from __future__ import annotations

from backends.base import Capability
from backends.model import Phase, Rollout
from tui.session.decisions import PROMOTING, Refused, allowed
from tui.session.live import Session

ACTIONS = {
    "promote": Capability.PROMOTE,
    "promote_full": Capability.PROMOTE_FULL,
    "abort": Capability.ABORT,
    "pause": Capability.PAUSE,
    "resume": Capability.RESUME,
    "retry": Capability.RETRY,
}
"""The watch screen's action names and the capability each one needs."""

NOUNS = {
    Capability.PROMOTE: "promote",
    Capability.PROMOTE_FULL: "promote",
    Capability.ABORT: "abort",
    Capability.PAUSE: "pause",
    Capability.RESUME: "resume",
    Capability.RETRY: "retry",
}

ENDED = {
    Phase.HEALTHY: "the rollout completed",
    Phase.ABORTED: "the rollout was aborted",
    Phase.DEGRADED: "the rollout failed",
}


def held(rollout: Rollout) -> bool:
    """Paused by someone (`pause`), not waiting at a step of the plan for a promote."""
    step = rollout.step_at(rollout.current_step)
    return (
        rollout.pause is not None
        and rollout.pause.awaits_decision
        and not (step is not None and step.waits_for_human)
    )


def unavailable(session: Session, action: Capability) -> str | None:
    """Why `action` is not offered at all now, in one line; None when it is."""
    try:
        allowed(
            action,
            read_only=session.read_only,
            capabilities=session.deploy.capabilities,
            adapter=session.adapter,
        )
    except Refused as refusal:
        return str(refusal)
    rollout = session.rollout
    if rollout is None:
        return "the rollout has not been read yet"
    return _by_state(action, rollout)


def _by_state(action: Capability, rollout: Rollout) -> str | None:
    noun = NOUNS[action]
    if action == Capability.RETRY:
        if rollout.phase != Phase.ABORTED:
            return "nothing to retry: only an aborted rollout starts again"
        return None
    if rollout.phase in ENDED:
        return f"nothing to {noun}: {ENDED[rollout.phase]}"
    if action == Capability.RESUME and not held(rollout):
        if rollout.awaits_decision:
            return "nothing to resume: this step waits for a promote"
        return "nothing to resume: the rollout is not paused"
    if action == Capability.PAUSE:
        if held(rollout):
            return "the rollout is already paused"
        if rollout.awaits_decision:
            return "nothing to pause: the rollout already waits for a decision"
    return None


def not_now(session: Session, action: Capability) -> str | None:
    """Why `action` cannot be done at this moment although it is offered: a link is down."""
    deploy = session.links.get("deploy")
    if deploy:
        return f"the deploy API is not answering ({deploy}); try again once it does"
    metrics = session.links.get("metrics")
    if action in PROMOTING and metrics:
        return f"the metrics are stale ({metrics}); promoting waits for fresh data"
    return None


def why_not(session: Session, action: Capability) -> str | None:
    """The first reason `action` cannot be done now, or None."""
    return unavailable(session, action) or not_now(session, action)
