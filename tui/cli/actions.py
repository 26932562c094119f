"""`rollwatch promote|abort|retry|pause|resume ID`: act on a rollout from a script.

The verbs are the backends' `Capability` values. Whether an action may happen at all is decided
by `tui.session.decisions.allowed`, the check the watch screen makes too; the deploy backend
then refuses it if the rollout is no longer what the caller expects.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from backends.base import Capability
from backends.model import Expectation, Rollout
from tui import format
from tui.cli import output
from tui.cli.records import record
from tui.cli.source import add_source_options, chosen_rollout, wiring
from tui.session.decisions import allowed, perform

COMMANDS = {
    Capability.PROMOTE: "move a rollout to its next step (or, with --full, all the way)",
    Capability.ABORT: "send all of a rollout's traffic back to stable",
    Capability.RETRY: "start an aborted rollout again",
    Capability.PAUSE: "pause a rollout where it is",
    Capability.RESUME: "let a paused rollout go on",
}
"""Each command is named by its capability's value; `promote --full` is PROMOTE_FULL."""


def step_number(text: str) -> int:
    """`--expect-step N`: a step as shown (`3/7` is step 3), so counted from 1."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a step number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"steps are counted from 1, as shown; not {number}")
    return number


def add_command(subparsers: argparse._SubParsersAction[Any]) -> None:
    for action, what in COMMANDS.items():
        parser = subparsers.add_parser(
            action.value, help=what, description=f"{what[0].upper()}{what[1:]}."
        )
        parser.set_defaults(action=action)
        parser.add_argument("id", metavar="ID", help="rollout id, e.g. shop/checkout-api")
        if action == Capability.PROMOTE:
            parser.add_argument("--full", action="store_true", help="skip every remaining step")
        if action != Capability.RETRY:
            expect = parser.add_argument_group(
                "preconditions (default: the rollout as read just before acting)"
            )
            expect.add_argument(
                "--expect-step",
                type=step_number,
                metavar="N",
                help="act only if the rollout is at step N, counted from 1 as `list` shows it",
            )
            expect.add_argument(
                "--expect-revision", metavar="R", help="act only if the canary revision is R"
            )
        add_source_options(parser)


def run(args: argparse.Namespace) -> int:
    action: Capability = args.action
    if getattr(args, "full", False):
        action = Capability.PROMOTE_FULL

    async def main() -> int:
        wired = wiring(args)
        try:
            allowed(
                action,
                read_only=wired.config.ui.read_only,
                capabilities=wired.deploy.capabilities,
                adapter=wired.config.deploy.kind,
            )
            rollout = await chosen_rollout(wired.deploy, args.id)
            after = await perform(wired.deploy, rollout.id, action, expectation(args, rollout))
        finally:
            await wired.aclose()
        print(f"{args.action.value} {rollout.id}: {output.moved(record(after))}")
        return 0

    return asyncio.run(main())


def expectation(args: argparse.Namespace, rollout: Rollout) -> Expectation:
    """The caller's preconditions if they gave any, else the rollout exactly as just read."""
    step = getattr(args, "expect_step", None)
    revision = getattr(args, "expect_revision", None)
    if step is None and revision is None:
        return Expectation.of(rollout)
    return Expectation(
        step=None if step is None else format.step_index(step), canary_revision=revision
    )
