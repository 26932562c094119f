"""The `rollwatch` command line: the parser, and the exit codes every command keeps.

Each command lives in its own module with `add_command(subparsers, name, summary)` and
`run(args)`; this one holds the table of commands and assembles them, importing only the module
of the command given: a command does not pay for loading the others (the first frame of
`rollwatch demo` waits on every import), and `--help`, `--version` and a misspelt command load
none of them, nor what running a command needs.

A user error ends the same way everywhere: one line naming the problem and the fix, exit code 2,
no traceback. An outside system that stays down ends with exit code 4 and its own words.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, NoReturn

EXIT_CONFLICT = 1
EXIT_USAGE = 2
EXIT_BACKEND = 4
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141


class Command(NamedTuple):
    """Where a command lives, and the line that `rollwatch --help` shows for it.

    The line is written only here: the module receives it to register its parser, so that the
    list in `--help` can be printed without importing any module.
    """

    module: str
    summary: str


COMMANDS = {
    "demo": Command("demo", "watch a simulated canary roll out (nothing to install or configure)"),
    "watch": Command("watch", "watch a rollout live: graphs, gates, steps, and confirm to promote"),
    "list": Command("listing", "list the rollouts the deploy system has"),
    "status": Command("status", "print one snapshot of a rollout with its gates, without the UI"),
    "wait": Command(
        "wait", "follow a rollout without the UI until it completes, aborts or a gate fails"
    ),
    "link": Command(
        "link", "print the line a deploy pipeline shows its author: where to watch the rollout"
    ),
    "promote": Command("actions", "move a rollout to its next step (or, with --full, all the way)"),
    "abort": Command("actions", "send all of a rollout's traffic back to stable"),
    "retry": Command("actions", "start an aborted rollout again"),
    "pause": Command("actions", "pause a rollout where it is"),
    "resume": Command("actions", "let a paused rollout go on"),
    "judge": Command(
        "judge", "replay recorded series through the gates: when would each have failed?"
    ),
    "replay": Command(
        "replay", "play a recording back on the watch screen (space pauses, [ and ] jump)"
    ),
    "serve": Command("serve", "serve the TUI to web browsers (read-only unless --allow-actions)"),
    "config": Command("config", "check rollwatch.toml, or print a starter for it"),
    "sim-serve": Command(
        "sim_serve", "serve the simulator over the HTTP deploy API, with Prometheus /metrics"
    ),
}
"""Each command by name, in the order `rollwatch --help` lists them."""

Built = dict[str, tuple[argparse.ArgumentParser, Callable[[argparse.Namespace], int]]]
"""For each command whose module was loaded: its own parser and the function that runs it."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {message} (see `{self.prog} --help`)", file=sys.stderr)
        sys.exit(EXIT_USAGE)


class _Version(argparse.Action):
    """`--version`, reading the installed version only when asked: importlib.metadata costs
    more than the whole parser, and every other run would pay for it."""

    def __init__(self, option_strings: Sequence[str], dest: str, **_: Any) -> None:
        super().__init__(
            option_strings,
            dest=argparse.SUPPRESS,
            default=argparse.SUPPRESS,
            nargs=0,
            help="show program's version number and exit",
        )

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("rollwatch")
        except PackageNotFoundError:
            number = "unknown (not installed)"
        print(f"rollwatch {number}")
        parser.exit()


def build_parser(*names: str) -> tuple[_Parser, Built]:
    """The parser listing every command, complete for the commands in `names` only.

    Only their modules are imported. Every other command is an empty parser under its name and
    line, which is all that `--help` and argparse's "invalid choice" read.
    """
    parser = _Parser(
        prog="rollwatch",
        description="Watch a progressive deployment roll out: stable and canary side by side, "
        "health gates, and a confirmation before anything moves on. Without a command: the "
        "overview of every rollout (`rollwatch watch`).",
    )
    parser.add_argument("--version", action=_Version)
    subs = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subs.required = True
    built: Built = {}
    for name, (module_name, summary) in COMMANDS.items():
        if name in names:
            module = importlib.import_module(f"tui.cli.{module_name}")
            built[name] = (module.add_command(subs, name, summary), module.run)
        else:
            subs.add_parser(name, help=summary)
    return parser, built


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
    sys.exit(_exit_code(run, args))


def _exit_code(run: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run the command; an error the user can act on becomes one line and its exit code.

    The errors are imported here, once a command is chosen, because behind them stand pydantic
    and asyncio, which `--help` and a misspelt command have no use for.
    """
    from backends.errors import BackendError, Conflict
    from tui.cli.arguments import UsageError
    from tui.config.errors import ConfigError
    from tui.session.decisions import Refused

    try:
        return run(args)
    except (UsageError, ConfigError, Refused) as error:
        print(f"rollwatch: {error}", file=sys.stderr)
        return EXIT_USAGE
    except Conflict as error:
        print(f"rollwatch: {error}", file=sys.stderr)
        return EXIT_CONFLICT
    except BackendError as error:
        print(f"rollwatch: {error}", file=sys.stderr)
        return EXIT_BACKEND
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader (`| head`) has gone: say nothing more, as `cat` would.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
