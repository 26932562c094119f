"""Watching a rollout chosen in the overview, and coming back to the list.

Each rollout opened from the overview keeps its session (and its screen) until the app ends:
the session the overview's judges made for it (`Judges.adopt`), so its verdict keeps ranking
its row through them, its gates keep judging while the person looks at another one, and coming
back finds the graphs, gates and events where they were. Its notices (a gate failing,
a pause for a decision, the end) reach the person wherever they are in the app.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.binding import Binding
from textual.dom import DOMNode

from tui.messages import SessionUpdate
from tui.screens.watch import WatchScreen
from tui.session.judging import Judges
from tui.session.notices import Notice, Notices
from tui.session.overview import Overview
from tui.session.updates import RolloutChanged, Update


class AttachedWatch(WatchScreen):
    """The watch screen, with Escape back to the overview it was opened from."""

    BINDINGS = [
        Binding(
            "escape",
            "back",
            "Rollouts",
            tooltip="Back to the list of every rollout; this one is still judged.",
            id="back",
        )
    ]

    def action_back(self) -> None:
        self.dismiss(None)


class Attachments:
    """The sessions opened from the overview, by rollout id, each run as a worker of `owner`."""

    def __init__(
        self,
        owner: DOMNode,
        overview: Overview,
        judges: Judges,
        tell: Callable[[Notice], None],
    ) -> None:
        self._owner = owner
        self._overview = overview
        self._judges = judges
        self._tell = tell
        self.screens: dict[str, AttachedWatch] = {}

    def screen(self, rollout_id: str) -> AttachedWatch:
        """The rollout's watch screen, its session started the first time it is asked for."""
        if rollout_id not in self.screens:
            session = self._judges.adopt(rollout_id)
            screen = AttachedWatch(session)
            self.screens[rollout_id] = screen
            self._owner.app.install_screen(screen, name=f"watch {rollout_id}")
            session.subscribe(lambda update: self._forward(screen, update))
            session.subscribe(Notices(session, self._tell, already=False))
            self._owner.run_worker(session.run(), name=f"session {rollout_id}", group="session")
        return self.screens[rollout_id]

    def _forward(self, screen: AttachedWatch, update: Update) -> None:
        if isinstance(update, RolloutChanged):
            self._overview.seen(update.rollout)
        screen.post_message(SessionUpdate(update))
