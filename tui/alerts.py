"""A notice on screen: a toast, and the bell and desktop notification where they are wanted.

The toast is for whoever looks at another screen than the rollout's (the overview, another
rollout): the rollout's own screen already shows the failing gate or the new phase. The bell and
the desktop notification are for whoever looked away; `[ui] bell = false` silences them.
"""

from __future__ import annotations

import os
from typing import Any

from textual.app import App
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen

from tui.notify import tell_terminal
from tui.screens.watch import WatchScreen
from tui.session.notices import Notice, NoticeKind


def alert(app: App[Any], notice: Notice, *, bell: bool) -> None:
    severity: SeverityLevel = "information"
    if notice.kind.bad:
        severity = "error"
    elif notice.kind == NoticeKind.WAITING:
        severity = "warning"
    screen = _beneath_dialogs(app)
    if not (isinstance(screen, WatchScreen) and screen.session.rollout_id == notice.rollout_id):
        app.notify(notice.message, title=notice.title, severity=severity, timeout=10, markup=False)
    # Textual has no public call for raw terminal output; it writes its own OSC 52 this way.
    driver = app._driver
    if driver is not None and not app.is_headless:
        tell_terminal(driver.write, notice, bell=bell, env=os.environ)


def _beneath_dialogs(app: App[Any]) -> Screen[Any]:
    """The screen the person is on: a prompt or the help over a rollout's screen still shows
    that rollout (a live prompt says itself what changed), so no toast covers it."""
    for screen in reversed(app.screen_stack):
        if not isinstance(screen, ModalScreen):
            return screen
    return app.screen
