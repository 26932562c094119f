"""The prompt behind a confirmation, kept true while it is open.

A prompt is not a snapshot: its words follow the session as samples arrive, and when what a yes
depends on moves (the verdict, a gate's status, the step, a revision: `Seen`) the confirmation
behind it is issued afresh. A fresh confirmation forgets the name typed for the old one,
needs the name typed (and a reason given) where a gate does not pass at that instant, and
names in its override record exactly the gates not passing then. The reason is the person's
own words, not an answer to one picture, so the screen keeps it across a reissue.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from backends.base import Capability
from backends.model import GateStatus
from backends.text_safety import printable
from tui import format
from tui.screens.offers import why_not
from tui.session.decisions import PROMOTING, changes
from tui.session.live import Session
from tui.session.prompts import WORDING, describe


@dataclass(frozen=True)
class PromptView:
    """What the prompt shows: every string from outside is already inside a `Text`."""

    title: str
    what: Text
    details: Text | None
    button: str
    danger: bool
    require_typed: str | None
    """The name to type, and with it a reason why, before the yes counts (an override, which
    the session records with both); None when a plain yes is enough."""
    blocked: str | None
    """Why confirming is not possible right now (a link down, the rollout ended)."""
    moved: tuple[str, ...]
    """What changed since the prompt was last issued, shown until it is issued again."""


class LivePrompt:
    """One open prompt for one action; `follow` after every update, `recheck` before a yes."""

    def __init__(self, session: Session, action: Capability) -> None:
        self.session = session
        self.action = action
        self.confirmation = session.confirmation(action)
        self.opened = self.confirmation.seen
        """What the prompt showed when it opened: `moved` is told against it."""
        self.moved: tuple[str, ...] = ()

    def follow(self) -> bool:
        """Re-read the session; True when the confirmation had to be issued afresh."""
        before, now = self.confirmation.seen, self.session.seen(self.action)
        if before is None or now is None or before == now:
            return False
        self._reissue(changes(before, now))
        return True

    def recheck(self) -> bool:
        """Judge by the clock at the instant of the yes; True when it had to be issued afresh."""
        moved = self.session.moved_since(self.confirmation)
        if moved:
            self._reissue(moved)
        return bool(moved)

    def _reissue(self, latest: list[str]) -> None:
        """A fresh confirmation; `moved` tells everything that changed since the prompt opened
        (or the latest change, where things moved and came back)."""
        self.confirmation = self.session.confirmation(self.action)
        now = self.confirmation.seen
        since_open = changes(self.opened, now) if self.opened and now else []
        self.moved = tuple(since_open or latest)

    def view(self) -> PromptView:
        session, action = self.session, self.action
        rollout = session.rollout
        wording = WORDING[action]
        what = Text(printable(describe(action, rollout))) if rollout else Text("")
        return PromptView(
            title=wording.title,
            what=what,
            details=self._details(),
            button=wording.button,
            danger=wording.danger,
            require_typed=session.rollout_service if self.confirmation.overriding else None,
            blocked=why_not(session, action),
            moved=self.moved,
        )

    def _details(self) -> Text | None:
        """The verdict and every gate that does not pass, as they read now."""
        judgement = self.session.judgement
        if judgement is None:
            return None
        text = Text()
        text.append(f"verdict {judgement.status.value.upper()}: ", "bold")
        text.append(printable(judgement.explanation.rsplit(" — ", 1)[0]))
        for gate in judgement.gates:
            if gate.status != GateStatus.PASS:
                text.append(f"\n• {printable(gate.explanation)}")
        if judgement.bake_remaining:
            text.append(f"\n• judge's bake: {format.duration(judgement.bake_remaining)} left")
        if self.action in PROMOTING and self.confirmation.overrides:
            text.append(
                "\nPromoting now overrides this, recorded with your name and why.", "italic"
            )
        return text
