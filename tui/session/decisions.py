"""The user's decisions: what they confirmed, and the checks before anything acts on it.

Kept apart from following and polling so that every reason to refuse an action sits in one
place, in the order the user meets them, and so that a confirmation is spent at most once. The
verbs are the backends' `Capability` values, one vocabulary for the command line, the screen
and the capability check; `allowed` is the check the watch screen (through the session) and the
action commands share.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime

from backends.base import Capability, DeployBackend
from backends.model import EventLevel, Expectation, Rollout, RolloutEvent
from backends.text_safety import printable

VERBS = {
    Capability.PROMOTE: "promote",
    Capability.PROMOTE_FULL: "fully promote",
    Capability.ABORT: "abort",
    Capability.RETRY: "retry",
    Capability.PAUSE: "pause",
    Capability.RESUME: "resume",
}
"""Each action as a verb in a sentence: "the argo adapter cannot fully promote rollouts"."""

PROMOTING = frozenset({Capability.PROMOTE, Capability.PROMOTE_FULL})
"""The actions that send more traffic to the canary: only these need fresh, passing metrics."""


class Refused(Exception):
    """rollwatch will not do what was asked; the message says why, in the user's terms."""


def allowed(
    action: Capability, *, read_only: bool, capabilities: frozenset[Capability], adapter: str
) -> None:
    """Refuse what can never be done here, whatever the rollout looks like.

    Args:
        adapter: the deploy adapter's name as configured (`argo`, `http`), which is what the
            user can change; a server's own idea of its kind is not.
    """
    if read_only:
        raise Refused(f"read-only mode: rollwatch does not {VERBS[action]} rollouts")
    if action not in capabilities:
        raise Refused(f"the {adapter} adapter cannot {VERBS[action]} rollouts")


_tokens = itertools.count(1)


@dataclass(frozen=True)
class Seen:
    """What a prompt showed that a yes depends on: a change in any of it needs a fresh yes.

    The numbers move with every sample and a prompt follows them; the rollout's phase, step and
    revisions, the verdict, each gate's status and whether the judge's bake is over do not move
    under a confirmation: a person who said yes to passing gates did not say yes to a failing
    one.
    """

    phase: str
    step: str
    stable: str
    canary: str | None
    verdict: str | None = None
    gates: tuple[tuple[str, str], ...] = ()
    baking: bool = False


def changes(before: Seen, after: Seen) -> list[str]:
    """What moved between two looks, one short phrase each: `error rate pass → fail`."""
    moved = [
        f"{what} {old} → {new}"
        for what, old, new in (
            ("rollout", before.phase, after.phase),
            ("step", before.step, after.step),
            ("stable", before.stable, after.stable),
            ("canary", before.canary or "none", after.canary or "none"),
            ("verdict", (before.verdict or "none").upper(), (after.verdict or "none").upper()),
        )
        if old != new
    ]
    old_gates, new_gates = dict(before.gates), dict(after.gates)
    for name in dict.fromkeys([*old_gates, *new_gates]):
        old, new = old_gates.get(name, "absent"), new_gates.get(name, "absent")
        if old != new:
            moved.append(f"{name} {old} → {new}")
    if before.baking != after.baking:
        moved.append("judge's bake over" if before.baking else "judge's bake started")
    return moved


class Changed(Refused):
    """The rollout or its gates moved after the prompt was confirmed; nothing was done."""

    def __init__(self, moved: list[str]) -> None:
        super().__init__(f"changed since you confirmed ({'; '.join(moved)}): nothing was done")
        self.moved = moved


@dataclass(frozen=True)
class Confirmation:
    """One explicit yes from the user: what they saw, what they agreed to, once.

    `overrides` names what was not healthy when the prompt was issued (failing or pending
    gates, bake time left); promoting over them needs the service's name typed as `typed`
    and a `reason`, both recorded with the override.
    `seen` is what the prompt showed; the session refuses the yes if that moved since (a
    command that acts without a prompt has none).
    """

    action: Capability
    expect: Expectation
    token: int
    overrides: tuple[str, ...] = ()
    typed: str | None = None
    seen: Seen | None = None
    reason: str | None = None
    """Why the person overrides what is not healthy (`promote --override`, or the prompt), as
    `override_reason` keeps it."""

    def with_typed(self, typed: str, reason: str | None = None) -> Confirmation:
        return replace(self, typed=typed, reason=reason)

    @property
    def overriding(self) -> bool:
        """A promotion over something unhealthy: it needs the typed name and is logged."""
        return self.action in PROMOTING and bool(self.overrides)


def override_reason(text: str) -> str:
    """Why a person promotes over what is not healthy, as the override record keeps it.

    The command line's `--override` and the prompt's reason field both pass through here:
    someone reads these words later, beside the name and the gates, so they must say
    something, on one line, with nothing that could rewrite a terminal.

    Raises:
        Refused: `text` says nothing (empty, or only spaces).
    """
    words = text.split()
    if not words:
        raise Refused('say why the gates are overridden, e.g. "hotfix"')
    return printable(" ".join(words))


def issue(
    action: Capability, rollout: Rollout, overrides: tuple[str, ...], seen: Seen | None = None
) -> Confirmation:
    """A confirmation with a fresh token, fixed to the rollout as the user sees it now."""
    return Confirmation(action, Expectation.of(rollout), next(_tokens), overrides, seen=seen)


class Decisions:
    """Which confirmations were spent, and the lock that lets one action run at a time."""

    def __init__(self) -> None:
        self._used: set[int] = set()
        self._acting = asyncio.Lock()

    def check(
        self,
        confirmation: Confirmation,
        *,
        read_only: bool,
        links: Mapping[str, str | None],
        service: str,
        capabilities: frozenset[Capability],
        adapter: str,
    ) -> None:
        """Refuse what must not be done now, before anything waits for the lock."""
        allowed(
            confirmation.action, read_only=read_only, capabilities=capabilities, adapter=adapter
        )
        if confirmation.token in self._used:
            raise Refused("this confirmation was already used")
        if links["deploy"] is not None:
            raise Refused(f"the rollout's state is stale ({links['deploy']}); wait for it")
        if confirmation.action in PROMOTING and links["metrics"] is not None:
            raise Refused(f"the metrics are stale ({links['metrics']}); wait for them")
        if confirmation.overriding and confirmation.typed != service:
            raise Refused(
                f"{', '.join(confirmation.overrides)} not passing: type "
                f"{service!r} to promote anyway"
            )
        if confirmation.overriding:
            override_reason(confirmation.reason or "")

    @asynccontextmanager
    async def spending(self, confirmation: Confirmation) -> AsyncIterator[None]:
        """Hold the lock and spend the token; checked again, as a racing prompt may have won."""
        async with self._acting:
            if confirmation.token in self._used:
                raise Refused("this confirmation was already used")
            self._used.add(confirmation.token)
            yield


async def perform(
    deploy: DeployBackend, rollout_id: str, action: Capability, expect: Expectation
) -> Rollout:
    """Ask the deploy backend to do `action`: the one place a verb becomes a protocol call.

    Only after `allowed` (and, on the screen, `Decisions.check`) said yes. `expect` is what the
    user saw; retrying an aborted rollout has nothing to compare it with.
    """
    if action in PROMOTING:
        full = action == Capability.PROMOTE_FULL
        return await deploy.promote(rollout_id, expect=expect, full=full)
    if action == Capability.ABORT:
        return await deploy.abort(rollout_id, expect=expect)
    if action == Capability.RETRY:
        return await deploy.retry(rollout_id)
    if action == Capability.PAUSE:
        return await deploy.pause(rollout_id, expect=expect)
    return await deploy.resume(rollout_id, expect=expect)


OVERRIDE_PREFIX = "override: promoted over "
"""How an override's event line begins, so a finished rollout can still say what it shipped over."""


def override_event(confirmation: Confirmation, now: datetime, actor: str) -> RolloutEvent:
    """The log line that says who promoted over what was not healthy, when, and why if said."""
    why = f' — "{confirmation.reason}"' if confirmation.reason else ""
    return RolloutEvent(
        time=now,
        message=f"{OVERRIDE_PREFIX}{', '.join(confirmation.overrides)}{why}",
        level=EventLevel.ACTION,
        actor=actor,
    )
