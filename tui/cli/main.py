"""The `rollwatch` command line: the parser, and the exit codes every command keeps.

Each command lives in its own module with `add_command(subparsers)` and `run(args)`; this one
only assembles them, importing only the module of the command given: a command does not pay for
loading the others (the first frame of `rollwatch demo` waits on every import).

A user error ends the same way everywhere: one line naming the problem and the fix, exit code 2,
no traceback. An outside system that stays down ends with exit code 4 and its own words.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import NoReturn

from backends.errors import BackendError, Conflict
from tui.cli.arguments import UsageError
from tui.config.errors import ConfigError
from tui.session.decisions import Refused

EXIT_CONFLICT = 1
EXIT_USAGE = 2
EXIT_BACKEND = 4
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141

COMMANDS = {
    "demo": "demo",
    "watch": "watch",
    "list": "listing",
    "status": "status",
    "wait": "wait",
    "link": "link",
    "promote": "actions",
    "abort": "actions",
    "retry": "actions",
    "pause": "actions",
    "resume": "actions",
    "judge": "judge",
    "replay": "replay",
    "serve": "serve",
    "config": "config",
    "sim-serve": "sim_serve",
}
"""Each command's module in tui.cli, in the order `rollwatch --help` lists them."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {message} (see `{self.prog} --help`)", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def _version() -> str:
    try:
        return version("rollwatch")
    except PackageNotFoundError:
        return "unknown (not installed)"


def build_parser(
    command: str | None = None,
) -> tuple[_Parser, dict[str, tuple[argparse.ArgumentParser, Callable[..., int]]]]:
    """The parser, and for each command name its own parser and the function that runs it.

    Given a known `command`, only that command's module is loaded and only its parser added;
    otherwise every command is, so that `--help` and a misspelt command list them all.
    """
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
    names = [COMMANDS[command]] if command in COMMANDS else dict.fromkeys(COMMANDS.values())
    for name in names:
        module = importlib.import_module(f"tui.cli.{name}")
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
    parser, commands = build_parser(words[0])
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
