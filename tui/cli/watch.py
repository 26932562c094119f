"""`rollwatch watch`: the watch screen on a rollout, or the overview of every rollout.

`rollwatch` with no command runs this without an id: on-call starts from the list of what runs
now, those that need a person first. `--record FILE` writes what each watched rollout's session
sees, for `rollwatch replay`.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.cli.arguments import UsageError, add_rollout_id
from tui.cli.source import add_source_options, chosen_rollout, wiring
from tui.session.live import Session
from tui.session.overview import Overview
from tui.session.wiring import Wiring

if TYPE_CHECKING:
    from tui.session.recording import Recorder


def add_command(
    subparsers: argparse._SubParsersAction[Any], name: str, summary: str
) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        name,
        help=summary,
        description="Attach the watch screen to a rollout of the configured deploy system. "
        "Without an id: the overview of every rollout, those that need a person first; Enter "
        "watches one, Escape comes back.",
    )
    add_rollout_id(parser, optional=True)
    add_source_options(parser)
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="hide every action (promote, abort, pause, resume, retry)",
    )
    record_option(parser)
    return parser


def record_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--record",
        type=Path,
        metavar="FILE",
        help="write what the session sees to FILE (JSON lines, no credentials) for "
        "`rollwatch replay FILE`",
    )


def run(args: argparse.Namespace) -> int:
    async def main() -> int:
        return await show(wiring(args), args.id, read_only=args.read_only, record=args.record)

    return asyncio.run(main())


async def show(
    wired: Wiring,
    rollout_id: str | None,
    *,
    read_only: bool,
    quiet: bool = False,
    record: Path | None = None,
) -> int:
    """Run the app in the loop that chose the rollout: the backends' clients belong to it.

    Without an id (and not `quiet`, as the demo is) the app opens on the overview. The app is
    imported here, so that no other command pays for loading Textual.
    """
    from tui.app import RollwatchApp, overview_app

    recorder = _recorder(record, wired)
    watched = recorder.wrap(wired) if recorder else wired
    try:
        if rollout_id is None and not quiet:
            if recorder:
                recorder.start(wired.config, None)

            def open_session(chosen: str) -> Session:
                session = watched.session(chosen, read_only=read_only)
                if recorder:
                    recorder.follow(session)
                return session

            overview = Overview(wired.deploy, wired.clock)
            app = overview_app(overview, open_session, ui=wired.config.ui, read_only=read_only)
            await app.run_async()
            return 0
        rollout = await chosen_rollout(wired.deploy, rollout_id, quiet=quiet)
        session = watched.session(rollout.id, read_only=read_only)
        if recorder:
            recorder.start(wired.config, rollout.id)
            recorder.follow(session)
        await RollwatchApp(session, ui=wired.config.ui).run_async()
    finally:
        await wired.aclose()
        if recorder:
            recorder.close()
    return 0


def _recorder(path: Path | None, wired: Wiring) -> Recorder | None:
    """Loaded only when asked for: the recording format is not on the way to the first frame."""
    if path is None:
        return None
    from tui.session.recording import Recorder

    try:
        return Recorder(path, wired.clock)
    except OSError as error:
        raise UsageError(f"--record: {error}") from None
