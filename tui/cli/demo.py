"""`rollwatch demo`: the watch screen on the built-in simulator, nothing to configure.

It is `rollwatch watch --backend simulator` with the simulator's options as flags: the options
go through the same registry and validation as `-o scenario=...` would.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from tui.cli import watch
from tui.cli.arguments import simulator_options
from tui.cli.source import Given, configured
from tui.session.wiring import from_config


def add_command(
    subparsers: argparse._SubParsersAction[Any], name: str, summary: str
) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        name,
        help=summary,
        description="Run the watch screen on the built-in simulator.",
    )
    simulator_options(parser)
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="hide every action (promote, abort, pause, resume, retry)",
    )
    watch.record_option(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    given = [
        Given("scenario", args.scenario, "--scenario"),
        Given("seed", args.seed, "--seed"),
        Given("speed", args.speed, "--speed"),
    ]
    config = configured("simulator", None, given)

    async def main() -> int:
        return await watch.show(
            from_config(config), None, read_only=args.read_only, quiet=True, record=args.record
        )

    return asyncio.run(main())
