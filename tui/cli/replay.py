"""`rollwatch replay FILE`: a recording played back on the watch screen, no backend needed.

The recording (`watch --record FILE`, `demo --record FILE`) carries the answers the backends
gave and the settings they were judged with, so a post-mortem or a demo without production
access shows what the person watching saw, at the speed asked for, with pause and jumps.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from backends.errors import NotFound
from tui.cli.arguments import UsageError, speed


def add_command(
    subparsers: argparse._SubParsersAction[Any], name: str, summary: str
) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        name,
        help=summary,
        description="Play back a recording made with --record: the rollout, its graphs, gates "
        "and events as they were seen. Space pauses, [ and ] jump a minute, { and } ten.",
    )
    parser.add_argument("file", metavar="FILE", type=Path, help="a recording (JSON lines)")
    parser.add_argument(
        "--speed",
        type=speed,
        default=1.0,
        metavar="N",
        help="play N times faster than it was recorded (default: 1)",
    )
    parser.add_argument(
        "--rollout", metavar="ID", help="the recorded rollout to show (default: the first)"
    )
    return parser


def run(args: argparse.Namespace) -> int:
    async def main() -> int:
        from tui.app import replay_app
        from tui.session.replaying import Player

        player = Player(args.file, args.rollout)
        try:
            await player.wiring.deploy.get_rollout(player.rollout_id)
        except NotFound as error:
            raise UsageError(f"{args.file}: {error}") from None
        await replay_app(player, speed=args.speed).run_async()
        return 0

    return asyncio.run(main())
