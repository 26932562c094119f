"""`rollwatch watch`: the watch screen on a rollout of the configured deploy system."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from tui.cli.arguments import rollout_id
from tui.cli.source import add_source_options, chosen_rollout, wiring
from tui.session.wiring import Wiring


def add_command(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "watch",
        help="watch a rollout live: graphs, gates, steps, and confirm to promote",
        description="Attach the watch screen to a rollout of the configured deploy system. "
        "Without an id: the only rollout, else the first in progress.",
    )
    parser.add_argument(
        "id", metavar="ID", nargs="?", type=rollout_id, help="rollout id, e.g. shop/checkout-api"
    )
    add_source_options(parser)
    parser.add_argument("--read-only", action="store_true", help="hide promote and abort")


def run(args: argparse.Namespace) -> int:
    async def main() -> int:
        return await show(wiring(args), args.id, read_only=args.read_only)

    return asyncio.run(main())


async def show(
    wired: Wiring, rollout_id: str | None, *, read_only: bool, quiet: bool = False
) -> int:
    """Run the app in the loop that chose the rollout: the backends' clients belong to it.

    The app is imported here, so that no other command pays for loading Textual.
    """
    from tui.app import RollwatchApp

    try:
        rollout = await chosen_rollout(wired.deploy, rollout_id, quiet=quiet)
        session = wired.session(rollout.id, read_only=read_only)
        await RollwatchApp(session, ui=wired.config.ui).run_async()
    finally:
        await wired.aclose()
    return 0
