"""`rollwatch list`: every rollout the deploy system has, one line each or as JSON records."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from tui.cli import output
from tui.cli.records import json_document, record
from tui.cli.source import add_source_options, wiring
from tui.config.secrets import secret_mask


def add_command(
    subparsers: argparse._SubParsersAction[Any], name: str, summary: str
) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        name,
        help=summary,
        description="List rollouts, one line each, or as a JSON array of rollout records.",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_source_options(parser, listing=True)
    return parser


def run(args: argparse.Namespace) -> int:
    async def main() -> int:
        wired = wiring(args)
        try:
            rollouts = await wired.deploy.list_rollouts()
        finally:
            await wired.aclose()
        records = [record(r) for r in rollouts]
        text = json_document(records) if args.json else output.table(records)
        print(secret_mask(wired.config)(text))
        return 0

    return asyncio.run(main())
