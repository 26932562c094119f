"""A notice on screen: a toast, and the bell and desktop notification where they are wanted.

The toast is for whoever looks at the screen; the bell and the desktop notification are for
whoever looked away, so `[ui] bell = false` silences them and leaves the toast.
"""

from __future__ import annotations

import os

from textual.app import App
from textual.notifications import SeverityLevel

from tui.notify import tell_terminal
from tui.session.notices import Notice, NoticeKind


def alert(app: App[object], notice: Notice, *, bell: bool) -> None:
    severity: SeverityLevel = "information"
    if notice.kind.bad:
        severity = "error"
    elif notice.kind == NoticeKind.WAITING:
        severity = "warning"
    app.notify(notice.message, title=notice.title, severity=severity, timeout=10, markup=False)
    # Textual has no public call for raw terminal output; it writes its own OSC 52 this way.
    driver = app._driver
    if driver is not None and not app.is_headless:
        tell_terminal(driver.write, notice, bell=bell, env=os.environ)
