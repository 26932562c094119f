"""Run a Textual program and log how long each key press takes to change its screen.

    python benchmarks/key_timing.py LOG -m tui demo --speed 10
    python benchmarks/key_timing.py LOG path/to/app.py

Textual's own timing, taken inside the program: from the key event reaching the app to the end
of the write of the first frame of another screen (a key that opens or closes help, a prompt,
the command palette). Each line of LOG is `key seconds`. What the terminal then takes to read
and paint that frame comes on top; `screen_cost.py` measures the whole way with tmux.
"""

from __future__ import annotations

import runpy
import sys
import time
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App


def install(log: Path) -> None:
    """Wrap App's event handler and its display step; the program itself is left as it is."""
    pending: dict[str, Any] = {}
    on_event = App.on_event
    display = App._display

    async def timed_on_event(self: App[Any], event: events.Event) -> None:
        if isinstance(event, events.Key) and not pending:
            pending.update(key=event.key, since=time.perf_counter(), screen=self.screen)
        await on_event(self, event)

    def timed_display(self: App[Any], screen: Any, renderable: Any) -> None:
        display(self, screen, renderable)
        if pending and screen is not pending["screen"]:
            with log.open("a") as out:
                out.write(f"{pending['key']} {time.perf_counter() - pending['since']:.4f}\n")
            pending.clear()

    App.on_event = timed_on_event  # type: ignore[method-assign]
    App._display = timed_display  # type: ignore[method-assign]


def main() -> None:
    log, target = Path(sys.argv[1]), sys.argv[2:]
    install(log)
    if target[0] == "-m":
        sys.argv = [target[1], *target[2:]]
        runpy.run_module(target[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = target
        runpy.run_path(target[0], run_name="__main__")


if __name__ == "__main__":
    main()
