"""`rollwatch serve`: the same TUI in a browser, through textual-serve.

Each browser tab runs `rollwatch watch` of its own under textual-serve: the overview, or the
rollout named by `?rollout=ID` (what `rollwatch link --web URL` prints). It is read-only unless
`--allow-actions` is given, and the page says which before the app has drawn anything. It
listens on 127.0.0.1 unless told otherwise: whoever reaches the port reaches the deploy system
with this host's credentials.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

from backends.ids import InvalidId, id_parts
from tui.cli.arguments import UsageError
from tui.cli.link import ROLLOUT_PARAM


def add_command(
    subparsers: argparse._SubParsersAction[Any], name: str, summary: str
) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        name,
        help=summary,
        description="Serve rollwatch to web browsers with textual-serve: each tab runs its own "
        "`rollwatch watch`. Read-only unless --allow-actions. Open a rollout directly with "
        f"?{ROLLOUT_PARAM}=ID (see `rollwatch link --web`).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (8000)")
    parser.add_argument(
        "--allow-actions",
        action="store_true",
        help="let browsers promote and abort (each still asks for a confirmation)",
    )
    parser.add_argument("--public-url", metavar="URL", help="the address browsers use, if proxied")
    source = parser.add_argument_group("passed on to `rollwatch watch`")
    source.add_argument("--config", type=Path, metavar="PATH", help="rollwatch.toml")
    source.add_argument("--backend", metavar="NAME", help="deploy adapter")
    source.add_argument("--context", help="kubeconfig context")
    source.add_argument("-n", "--namespace", help="namespace")
    return parser


def watch_words(args: argparse.Namespace) -> list[str]:
    """The `rollwatch watch` each tab runs, with this interpreter, so the same install serves."""
    words = [sys.executable, "-m", "tui", "watch"]
    for flag, value in (
        ("--config", args.config),
        ("--backend", args.backend),
        ("--context", args.context),
        ("-n", args.namespace),
    ):
        if value is not None:
            words += [flag, str(value)]
    if not args.allow_actions:
        words.append("--read-only")
    return words


def banner(allow_actions: bool) -> str:
    if allow_actions:
        return "rollwatch — actions allowed: promote and abort ask for a confirmation"
    return "rollwatch — read-only: promote and abort are off (serve --allow-actions turns them on)"


def checked_rollout(value: str) -> str:
    """A rollout id from a URL, as one word for the command line; refused when it cannot be one."""
    try:
        id_parts(value)
    except InvalidId as error:
        raise UsageError(f"not a rollout id: {error.message}") from None
    if value.startswith("-"):
        raise UsageError("not a rollout id: it starts with '-'")
    return value


def run(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        raise UsageError(f"--port {args.port}: choose a port from 1 to 65535")
    from tui.web import serve

    serve(
        watch_words(args),
        host=args.host,
        port=args.port,
        title=banner(args.allow_actions),
        badge="actions allowed" if args.allow_actions else "read-only",
        public_url=args.public_url,
    )
    return 0


def socket_path(rollout: str | None) -> str:
    """The websocket path a page opens: one per rollout, so its app opens on that rollout."""
    return "/ws" if rollout is None else f"/ws/{quote(rollout, safe='')}"


def command_for(words: list[str], rollout: str | None) -> str:
    return shlex.join([*words, checked_rollout(rollout)] if rollout else words)
