"""`rollwatch status`: one snapshot of a rollout with its gates and verdict, without the UI."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from tui.cli import output
from tui.cli.arguments import add_rollout_id
from tui.cli.records import json_document, record
from tui.cli.source import add_source_options, chosen_rollout, wiring
from tui.config.secrets import secret_mask


def add_command(
    subparsers: argparse._SubParsersAction[Any], name: str, summary: str
) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        name,
        help=summary,
        description="Print a rollout's phase, step, revisions, change, gates and verdict. "
        "Without an id: the only rollout, else the first in progress.",
    )
    add_rollout_id(parser, optional=True)
    parser.add_argument("--json", action="store_true", help="print a JSON rollout record")
    add_source_options(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    async def main() -> int:
        wired = wiring(args)
        try:
            rollout = await chosen_rollout(wired.deploy, args.id)
            session = wired.session(rollout.id)
            judged = await session.snapshot()
        finally:
            await wired.aclose()
        one = record(
            judged, judgement=session.judgement, links=session.links, events=session.events
        )
        text = json_document(one) if args.json else output.status(one)
        print(secret_mask(wired.config)(text))
        return 0

    return asyncio.run(main())
