"""`rollwatch wait`: follow a rollout without a screen until it ends, for pipelines.

Its exit code is the contract: 0 the rollout completed, 1 a gate failed or the rollout was
aborted or degraded, 3 the timeout passed, 4 the deploy API or the metrics store refused the
credentials (which waiting will not mend). It runs the same session as the watch screen and
prints the rollout's record each time something that matters changes: its step or phase, a
gate's status or the verdict, a link going down or coming back; never on every new sample.
`--on-fail`, `--on-pause` and `--on-done` run a command on those moments with the event as JSON
on stdin, to post to a chat, page someone, or mark the pipeline.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any, TextIO

from backends.model import GateStatus, Phase, Rollout
from backends.text_safety import SecretMask, printable
from tui import format
from tui.cli import output
from tui.cli.arguments import add_rollout_id, duration
from tui.cli.records import RolloutRecord, json_line, record
from tui.cli.source import add_source_options, chosen_rollout, wiring
from tui.config.secrets import secret_mask
from tui.notify import run_hook
from tui.session.ending import ending
from tui.session.live import Session
from tui.session.notices import Notice, NoticeKind, Notices
from tui.session.updates import LinkChanged, Update

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_TIMEOUT = 3
EXIT_REFUSED = 4


def add_command(
    subparsers: argparse._SubParsersAction[Any], name: str, summary: str
) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        name,
        help=summary,
        description="Exit 0 when the rollout completes, 1 when a gate fails or it is aborted, "
        "3 on timeout. Without an id: the only rollout, else the first in progress.",
    )
    add_rollout_id(parser, optional=True)
    parser.add_argument("--timeout", type=duration, metavar="D", help="give up after D (e.g. 30m)")
    parser.add_argument("--json", action="store_true", help="one JSON rollout record per line")
    hooks = parser.add_argument_group(
        "hooks: a shell command run with the event as JSON on stdin (killed after 30s)"
    )
    hooks.add_argument(
        "--on-fail", metavar="CMD", help="when a gate fails, or the rollout aborts or degrades"
    )
    hooks.add_argument("--on-pause", metavar="CMD", help="when the rollout waits for a decision")
    hooks.add_argument("--on-done", metavar="CMD", help="when the rollout completes")
    add_source_options(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    async def main() -> int:
        wired = wiring(args)
        try:
            rollout = await chosen_rollout(wired.deploy, args.id)
            session = wired.session(rollout.id)
            hooks = Hooks(session, fail=args.on_fail, pause=args.on_pause, done=args.on_done)
            return await wait(
                session,
                rollout,
                timeout=args.timeout,
                as_json=args.json,
                hooks=hooks,
                mask=secret_mask(wired.config),
            )
        finally:
            await wired.aclose()

    return asyncio.run(main())


class Waiter:
    """Follows updates until the rollout ends or a gate fails, printing each change once."""

    def __init__(
        self,
        session: Session,
        first: Rollout,
        *,
        as_json: bool,
        out: TextIO = sys.stdout,
        mask: SecretMask | None = None,
    ) -> None:
        """`mask` hides the config's credentials in every line, the servers' words included."""
        self.session = session
        self.as_json = as_json
        self.out = out
        self.mask = mask or SecretMask()
        self.done: asyncio.Future[tuple[int, str]] = asyncio.get_running_loop().create_future()
        self.latest = record(first)
        """The newest record, printed or not: the last line carries it with the result."""
        self._printed: RolloutRecord | None = None

    def __call__(self, update: Update) -> None:
        if isinstance(update, LinkChanged) and update.permanent and update.error:
            self._finish(EXIT_REFUSED, f"{update.source}: {update.error}")
        rollout = self.session.rollout
        if rollout is None:
            return
        self.latest = record(
            rollout,
            judgement=self.session.judgement,
            links=self.session.links,
            events=self.session.events,
        )
        lines = output.changes(self._printed, self.latest)
        if lines:
            self._printed = self.latest
            self._print(json_line(self.latest) if self.as_json else "\n".join(lines))
        self._check_end(rollout)

    def _check_end(self, rollout: Rollout) -> None:
        judgement = self.session.judgement
        failed = [g for g in judgement.gates if g.status == GateStatus.FAIL] if judgement else []
        ended = ending(rollout, judgement, self.session.events)
        if rollout.phase == Phase.HEALTHY:
            self._finish(
                EXIT_OK, f"{rollout.service} rolled out, {ended}; {rollout.stable.id} is stable"
            )
        elif rollout.phase in (Phase.ABORTED, Phase.DEGRADED):
            self._finish(EXIT_FAILED, f"{rollout.service} {ended}")
        elif failed:
            self._finish(EXIT_FAILED, f"gate failed: {failed[0].explanation}")

    def _finish(self, code: int, reason: str) -> None:
        if not self.done.done():
            self.done.set_result((code, printable(reason)))

    def end(self, code: int, reason: str) -> None:
        """The last line: the newest record with the exit code and reason, or the reason."""
        self._print(json_line(self.latest.ended(code, reason)) if self.as_json else reason)

    def _print(self, text: str) -> None:
        print(self.mask(text), file=self.out, flush=True)


async def wait(
    session: Session,
    first: Rollout,
    *,
    timeout: float | None,
    as_json: bool,
    out: TextIO = sys.stdout,
    hooks: Hooks | None = None,
    mask: SecretMask | None = None,
) -> int:
    """Run the session headless until the rollout ends, a gate fails, or `timeout` seconds.

    `first` is the rollout as read when it was chosen: what the last line shows if nothing
    arrives before the timeout.
    """
    waiter = Waiter(session, first, as_json=as_json, out=out, mask=mask)
    unsubscribe = session.subscribe(waiter)
    if hooks is not None:
        session.subscribe(Notices(session, hooks))
    runner = asyncio.create_task(session.run())
    try:
        either: set[asyncio.Future[Any]] = {waiter.done, runner}
        finished, _ = await asyncio.wait(
            either, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if runner in finished:
            runner.result()
        if waiter.done in finished:
            code, reason = waiter.done.result()
        else:
            code, reason = EXIT_TIMEOUT, f"timed out after {format.duration(timeout or 0)}"
    finally:
        unsubscribe()
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        if hooks is not None:
            await hooks.finished()
    waiter.end(code, reason)
    return code


class Hooks:
    """The commands `--on-fail`, `--on-pause` and `--on-done` name, run on each notice.

    Each gets the notice and the rollout's record as JSON on stdin. They run one after another,
    in the order of the moments, so a chat hears "waits for you" before "rolled out"; `wait`
    lets them finish (each is killed after 30 s) before it exits, and reports, never fails on,
    a hook that failed.
    """

    def __init__(self, session: Session, *, fail: str | None, pause: str | None, done: str | None):
        self.session = session
        self.commands = {
            NoticeKind.GATE_FAILED: fail,
            NoticeKind.ABORTED: fail,
            NoticeKind.DEGRADED: fail,
            NoticeKind.WAITING: pause,
            NoticeKind.COMPLETED: done,
        }
        self._last: asyncio.Task[None] | None = None

    def __call__(self, notice: Notice) -> None:
        command = self.commands[notice.kind]
        if command is None:
            return
        rollout = self.session.rollout
        payload = {
            "event": notice.kind.value,
            "title": notice.title,
            "message": notice.message,
            "time": notice.time.isoformat(),
            "rollout": None
            if rollout is None
            else record(
                rollout, judgement=self.session.judgement, links=self.session.links
            ).model_dump(mode="json"),
        }
        self._last = asyncio.create_task(self._run(self._last, command, json.dumps(payload)))

    async def _run(self, before: asyncio.Task[None] | None, command: str, payload: str) -> None:
        if before is not None:
            await before
        result = await run_hook(command, payload)
        if not result.ok:
            how = result.problem or f"exited {result.code}"
            print(f"rollwatch: hook {command!r} {how}", file=sys.stderr, flush=True)

    async def finished(self) -> None:
        if self._last is not None:
            await self._last
