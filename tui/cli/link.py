"""`rollwatch link`: the one line a deploy pipeline prints for the change's author.

The deploy is the author's feedback loop; the pipeline that started it knows the rollout's id
and nothing of where rollwatch runs. This prints where to watch it: the command, the command
over SSH (`--ssh HOST`), or the browser view's address (`--web URL`, see `rollwatch serve`).
It reads no config and reaches no backend, so it cannot fail a pipeline step; the id and every
option are quoted for the shell, so a copied line runs what it says.
"""

from __future__ import annotations

import argparse
import shlex
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from tui.cli.arguments import UsageError, add_rollout_id

ROLLOUT_PARAM = "rollout"
"""The query parameter `rollwatch serve` reads the rollout to open from."""


def add_command(
    subparsers: argparse._SubParsersAction[Any], name: str, summary: str
) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        name,
        help=summary,
        description="Print one line telling the change's author how to watch this rollout: "
        "the rollwatch command, the ssh command (--ssh) or the browser address (--web).",
    )
    add_rollout_id(parser)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--ssh", metavar="HOST", help="watch on HOST over ssh (e.g. ops@bastion)")
    where.add_argument(
        "--web", metavar="URL", help="the address `rollwatch serve` answers on (https://...)"
    )
    passed = parser.add_argument_group("passed on to `rollwatch watch`")
    passed.add_argument("--config", metavar="PATH", help="rollwatch.toml on the watching host")
    passed.add_argument("--backend", metavar="NAME", help="deploy adapter")
    passed.add_argument("--context", help="kubeconfig context")
    passed.add_argument("-n", "--namespace", help="namespace")
    passed.add_argument(
        "--read-only",
        action="store_true",
        help="hide every action (promote, abort, pause, resume, retry)",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    print(line(args))
    return 0


def line(args: argparse.Namespace) -> str:
    """`Watch shop/checkout-api roll out: <where>` with the command or address."""
    if args.web is not None:
        return f"Watch {args.id} roll out: {web_address(args.web, args.id)}"
    command = watch_command(args)
    if args.ssh is not None:
        if not args.ssh.strip() or args.ssh.startswith("-"):
            raise UsageError(f"--ssh {args.ssh!r} is not a host (e.g. --ssh ops@bastion)")
        # ssh joins its arguments into one remote shell line: quote the command once more.
        command = f"ssh -t {shlex.quote(args.ssh)} {shlex.quote(command)}"
    return f"Watch {args.id} roll out: {command}"


def watch_command(args: argparse.Namespace) -> str:
    words = ["rollwatch", "watch", args.id]
    for flag, value in (
        ("--config", args.config),
        ("--backend", args.backend),
        ("--context", args.context),
        ("-n", args.namespace),
    ):
        if value is not None:
            words += [flag, value]
    if args.read_only:
        words.append("--read-only")
    return shlex.join(words)


def web_address(url: str, rollout_id: str) -> str:
    """The serve address with the rollout to open as its query, whatever the URL carried."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"--web {url!r} is not an http(s) address (e.g. https://rollwatch.ops)")
    query = urlencode({ROLLOUT_PARAM: rollout_id})
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))
