"""The `rollwatch` command line: the parser, and the exit codes every command keeps.

A user error ends the same way everywhere: one line naming the problem and the fix, exit code 2,
no traceback. An outside system that stays down ends with exit code 4 and its own words.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from backends.errors import BackendError, Conflict
from tui.cli import arguments, commands, sim_serve
from tui.cli import config as config_commands
from tui.config.errors import ConfigError

EXIT_USAGE = 2
EXIT_BACKEND = 4
EXIT_CONFLICT = 1


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {message} (see `{self.prog} --help`)", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def _source_options(parser: argparse.ArgumentParser) -> None:
    """Where rollouts come from: a config file, or an adapter named on the command line."""
    parser.add_argument(
        "--config",
        type=Path,
        metavar="PATH",
        help="rollwatch.toml (default: $ROLLWATCH_CONFIG, ./rollwatch.toml, ~/.config/rollwatch)",
    )
    parser.add_argument(
        "--backend",
        metavar="NAME",
        help="deploy adapter to use instead of the config's; `simulator` needs no config",
    )
    kube = parser.add_argument_group("Kubernetes adapters (argo, kubernetes, flagger)")
    kube.add_argument("--context", help="kubeconfig context (default: the current one)")
    kube.add_argument("-n", "--namespace", help="namespace (default: the context's)")
    kube.add_argument(
        "-A", "--all-namespaces", action="store_true", help="list rollouts in every namespace"
    )
    arguments.simulator_options(parser)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rollwatch",
        description="Watch a progressive deployment roll out: stable and canary side by side, "
        "health gates, and a confirmation before anything moves on.",
    )
    subs = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subs.required = True

    demo = subs.add_parser(
        "demo",
        help="watch a simulated canary roll out (nothing to install or configure)",
        description="Run the watch screen on the built-in simulator.",
    )
    arguments.simulator_options(demo)
    demo.add_argument("--read-only", action="store_true", help="hide promote and abort")

    watch = subs.add_parser(
        "watch",
        help="watch a rollout live: graphs, gates, steps, and confirm to promote",
        description="Attach the watch screen to a rollout of the configured deploy system.",
    )
    watch.add_argument("id", metavar="ID", nargs="?", help="rollout id, e.g. shop/checkout-api")
    _source_options(watch)
    watch.add_argument("--read-only", action="store_true", help="hide promote and abort")

    listing = subs.add_parser(
        "list",
        help="list the rollouts the deploy system has",
        description="List rollouts, one line each, or as JSON.",
    )
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    _source_options(listing)

    status = subs.add_parser(
        "status",
        help="print one snapshot of a rollout with its gates, without the UI",
        description="Print a rollout's phase, step, revisions, change, gates and verdict.",
    )
    status.add_argument("id", metavar="ID", nargs="?", help="rollout id (simulator: optional)")
    status.add_argument("--json", action="store_true", help="print JSON instead of text")
    _source_options(status)

    wait = subs.add_parser(
        "wait",
        help="follow a rollout without the UI until it completes, aborts or a gate fails",
        description="Exit 0 when the rollout completes, 1 when a gate fails or it is aborted, "
        "3 on timeout. With --backend simulator the simulated pauses move on by themselves.",
    )
    wait.add_argument("id", metavar="ID", nargs="?", help="rollout id (simulator: optional)")
    wait.add_argument(
        "--timeout", type=arguments.duration, metavar="D", help="give up after D (e.g. 30m)"
    )
    wait.add_argument("--json", action="store_true", help="one JSON object per line")
    _source_options(wait)

    for name, what in (
        ("promote", "move a rollout to its next step (or, with --full, all the way)"),
        ("abort", "send all of a rollout's traffic back to stable"),
        ("retry", "start an aborted rollout again"),
        ("pause", "pause a rollout where it is"),
    ):
        action = subs.add_parser(name, help=what, description=f"{what[0].upper()}{what[1:]}.")
        action.add_argument("id", metavar="ID", help="rollout id, e.g. shop/checkout-api")
        if name == "promote":
            action.add_argument("--full", action="store_true", help="skip every remaining step")
        action.add_argument(
            "--expect-step", type=int, metavar="N", help="act only if the rollout is at step N"
        )
        action.add_argument(
            "--expect-revision", metavar="R", help="act only if the canary revision is R"
        )
        _source_options(action)

    config_commands.add_commands(subs)
    sim_serve.add_command(subs)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        code = _run(args)
    except (commands.UsageError, ConfigError) as error:
        print(f"rollwatch: {error}", file=sys.stderr)
        code = EXIT_USAGE
    except Conflict as error:
        print(f"rollwatch: {error}", file=sys.stderr)
        code = EXIT_CONFLICT
    except BackendError as error:
        print(f"rollwatch: {error}", file=sys.stderr)
        code = EXIT_BACKEND
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)


def _run(args: argparse.Namespace) -> int:
    if args.command == "config":
        return config_commands.run(args)
    if args.command == "sim-serve":
        return sim_serve.run(args)
    if args.command == "demo":
        return commands.demo(args)
    handler = {
        "watch": commands.watch,
        "list": commands.list_rollouts,
        "status": commands.status,
        "wait": commands.wait,
    }.get(args.command, commands.act)
    return asyncio.run(handler(args))
