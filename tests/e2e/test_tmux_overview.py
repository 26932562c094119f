"""As a person at a terminal: open the overview in tmux, attach to a rollout, come back, quit.

The real command in a real terminal (tmux on a private socket), read back from the pane: what
the Pilot tests cannot see (the terminal's keys, the driver, the screen as drawn).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

DEADLINE = 30.0
SOCKET = "rollwatch-test"


def tmux(*args: str) -> str:
    tool = shutil.which("tmux")
    assert tool is not None, "tmux is needed for this test (apt-get install tmux)"
    done = subprocess.run([tool, "-L", SOCKET, *args], capture_output=True, text=True, timeout=10)
    return done.stdout


def screen(name: str) -> str:
    return tmux("capture-pane", "-p", "-t", name)


def until(name: str, *texts: str) -> str:
    """The pane once it shows every text; fails with the pane's last picture after DEADLINE."""
    give_up = time.monotonic() + DEADLINE
    shown = ""
    while time.monotonic() < give_up:
        shown = screen(name)
        if all(text in shown for text in texts):
            return shown
        time.sleep(0.2)  # the terminal offers no event to wait on: look again shortly
    raise AssertionError(f"never showed {texts!r}; the pane:\n{shown}")


@contextmanager
def running(command: str, name: str = "overview") -> Iterator[str]:
    tmux("kill-server")
    tmux("new-session", "-d", "-s", name, "-x", "100", "-y", "30", command)
    try:
        yield name
    finally:
        tmux("kill-server")


def test_open_the_overview_attach_and_come_back():
    command = f"TERM=xterm-256color {sys.executable} -m tui watch --backend simulator"
    with running(command) as name:
        overview = until(name, "need you", "checkout-api", "inventory")
        assert overview.index("checkout-api") < overview.index("payments"), "waiting ones first"
        tmux("send-keys", "-t", name, "Down", "Enter")
        watched = until(name, "inventory", "canary")
        assert "ROLLOUT" not in watched, "the watch screen, not the list"
        tmux("send-keys", "-t", name, "Escape")
        until(name, "ROLLOUT", "need you")
        tmux("send-keys", "-t", name, "q")
        give_up = time.monotonic() + DEADLINE
        while name in tmux("list-sessions", "-F", "#{session_name}"):
            assert time.monotonic() < give_up, "q did not quit"
            time.sleep(0.2)
