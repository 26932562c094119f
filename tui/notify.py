"""Getting a person's attention from a terminal, and running a command on a moment.

The bell works everywhere. A desktop notification goes through the terminal's own escape
sequence where it has one: OSC 9 (iTerm2, WezTerm, ghostty, Windows Terminal, ConEmu) or OSC 777
(rxvt-unicode, foot, and VTE terminals that carry its notify patch); inside tmux the sequence is
passed through to the terminal around it. A notice's words come from outside (a deploy system's
message), so control characters are removed before they go into a sequence: a message must not
be able to end the sequence and write to the terminal itself.

The hook runner serves `wait --on-fail CMD`: the command runs through the shell with the event as
one JSON document on its standard input; its failure is reported, never fatal.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from tui.session.notices import Notice

Protocol = Literal["osc9", "osc777"]
HOOK_TIMEOUT = 30.0
"""Seconds a hook may run before it is killed: a hanging command must not hang `wait`."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_OSC9 = {"iTerm.app", "WezTerm", "ghostty"}


def clean(text: str, limit: int = 200) -> str:
    """One printable line: control characters become spaces, and it is cut at `limit`."""
    text = _CONTROL.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def desktop_protocol(env: Mapping[str, str]) -> Protocol | None:
    """The notification sequence the terminal understands, judged from its environment."""
    if env.get("TERM_PROGRAM") in _OSC9 or "WT_SESSION" in env or "ConEmuPID" in env:
        return "osc9"
    term = env.get("TERM", "")
    if term.startswith(("rxvt", "foot")) or "VTE_VERSION" in env:
        return "osc777"
    return None


def sequence(notice: Notice, protocol: Protocol | None, *, bell: bool, tmux: bool) -> str:
    """What to write to the terminal for `notice`: the bell, the desktop notification, or both."""
    out = "\a" if bell else ""
    title, body = clean(notice.title, 80), clean(notice.message)
    if protocol == "osc9":
        out += _passed(f"\x1b]9;{title}: {body}\x07", tmux)
    elif protocol == "osc777":
        out += _passed(f"\x1b]777;notify;{title.replace(';', ',')};{body}\x07", tmux)
    return out


def _passed(osc: str, tmux: bool) -> str:
    """Inside tmux, wrapped for passthrough (tmux needs `allow-passthrough on`)."""
    if not tmux:
        return osc
    return "\x1bPtmux;" + osc.replace("\x1b", "\x1b\x1b") + "\x1b\\"


def tell_terminal(
    write: Callable[[str], None], notice: Notice, *, bell: bool, env: Mapping[str, str]
) -> None:
    """Ring and notify through `write` (the screen's own output, so it lands between frames)."""
    if bell:
        write(sequence(notice, desktop_protocol(env), bell=True, tmux="TMUX" in env))


@dataclass(frozen=True)
class HookResult:
    """How a hook ended: its exit code, or why it did not run to the end."""

    command: str
    code: int | None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.code == 0


async def run_hook(command: str, payload: str, *, timeout: float = HOOK_TIMEOUT) -> HookResult:
    """Run `command` through the shell with `payload` on its standard input.

    Its output goes where rollwatch's goes; it is killed after `timeout` seconds.
    """
    try:
        process = await asyncio.create_subprocess_shell(command, stdin=asyncio.subprocess.PIPE)
    except OSError as error:
        return HookResult(command, None, f"could not start: {error.strerror or error}")
    try:
        await asyncio.wait_for(process.communicate(payload.encode()), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        return HookResult(command, None, f"killed after {timeout:g}s")
    except (BrokenPipeError, ConnectionResetError):
        await process.wait()
    return HookResult(command, process.returncode)
