"""The `rollwatch` command line: the parser, and the exit codes every command keeps.

Each command lives in its own module with `add_command(subparsers)` and `run(args)`; this one
only assembles them. A user error ends the same way everywhere: one line naming the problem
and the fix, exit code 2, no traceback. An outside system that stays down ends with exit code 4
and its own words.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import NoReturn

from backends.errors import BackendError, Conflict
from tui.cli import (
    actions,
    config,
    demo,
    judge,
    link,
    listing,
    replay,
    serve,
    sim_serve,
    status,
    wait,
    watch,
)
from tui.cli.arguments import UsageError
from tui.config.errors import ConfigError
from tui.session.decisions import Refused

EXIT_CONFLICT = 1
EXIT_USAGE = 2
EXIT_BACKEND = 4
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141

COMMANDS = (
    demo,
    watch,
    listing,
    status,
    wait,
    link,
    actions,
    judge,
    replay,
    serve,
    config,
    sim_serve,
)
"""In the order `rollwatch --help` lists them."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {message} (see `{self.prog} --help`)", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def _version() -> str:
    try:
        return version("rollwatch")
    except PackageNotFoundError:
        return "unknown (not installed)"


def build_parser() -> tuple[_Parser, dict[str, tuple[argparse.ArgumentParser, Callable[..., int]]]]:
    """The parser, and for each command name its own parser and the function that runs it."""
    parser = _Parser(
        prog="rollwatch",
        description="Watch a progressive deployment roll out: stable and canary side by side, "
        "health gates, and a confirmation before anything moves on. Without a command: the "
        "overview of every rollout (`rollwatch watch`).",
    )
    parser.add_argument("--version", action="version", version=f"rollwatch {_version()}")
    subs = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subs.required = True
    commands: dict[str, tuple[argparse.ArgumentParser, Callable[..., int]]] = {}
    for module in COMMANDS:
        before = set(subs.choices)
        module.add_command(subs)
        for name in subs.choices.keys() - before:
            commands[name] = (subs.choices[name], module.run)
    return parser, commands


def main(argv: Sequence[str] | None = None) -> None:
    """Run one command; with none (or only options) run `watch`, which opens the overview."""
    words = list(sys.argv[1:] if argv is None else argv)
    if not words or (words[0].startswith("-") and words[0] not in ("-h", "--help", "--version")):
        words = ["watch", *words]
    parser, commands = build_parser()
    args, extra = parser.parse_known_args(words)
    own, run = commands[args.command]
    if extra:
        own.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        code = run(args)
    except (UsageError, ConfigError, Refused) as error:
        print(f"rollwatch: {error}", file=sys.stderr)
        code = EXIT_USAGE
    except Conflict as error:
        print(f"rollwatch: {error}", file=sys.stderr)
        code = EXIT_CONFLICT
    except BackendError as error:
        print(f"rollwatch: {error}", file=sys.stderr)
        code = EXIT_BACKEND
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader (`| head`) has gone: say nothing more, as `cat` would.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = EXIT_BROKEN_PIPE
    sys.exit(code)
