"""`rollwatch promote|abort|retry|pause|resume ID`: act on a rollout from a script.

The verbs are the backends' `Capability` values. Whether an action may happen at all is decided
by `tui.session.decisions.allowed`, the check the watch screen makes too; the deploy backend
then refuses it if the rollout is no longer what the caller expects: by default the rollout as
read just before acting, its step, canary revision and version. An answer lost on the way back
is followed by a second read that says whether the action took effect (tui.cli.outcome, which
also lists the exit codes).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from backends.base import Capability
from backends.errors import Unreachable
from backends.model import Expectation, Rollout
from tui import format
from tui.cli import output
from tui.cli.arguments import add_rollout_id
from tui.cli.outcome import after_lost_answer
from tui.cli.promotion import judge_promotion, promote
from tui.cli.records import record
from tui.cli.source import add_source_options, chosen_rollout, wiring
from tui.config.secrets import secret_mask
from tui.session.decisions import PROMOTING, Refused, allowed, override_reason, perform

EXIT_REFUSED = 1

EPILOG = (
    "exit codes: 0 done; 1 refused: the rollout moved on, or (promote) a gate does not pass "
    "and no --override says why; 2 a usage error; 4 failed and not "
    "applied; 5 the answer was lost and the action may have been applied (the message says "
    "where the rollout is now)"
)


def step_number(text: str) -> int:
    """`--expect-step N`: a step as shown (`3/7` is step 3), so counted from 1."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a step number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"steps are counted from 1, as shown; not {number}")
    return number


def add_command(
    subparsers: argparse._SubParsersAction[Any], name: str, summary: str
) -> argparse.ArgumentParser:
    """Each command is named by its capability's value; `promote --full` is PROMOTE_FULL."""
    action = Capability(name)
    parser = subparsers.add_parser(
        name, help=summary, description=f"{summary[0].upper()}{summary[1:]}.", epilog=EPILOG
    )
    parser.set_defaults(action=action)
    add_rollout_id(parser)
    if action == Capability.PROMOTE:
        parser.add_argument("--full", action="store_true", help="skip every remaining step")
        parser.add_argument(
            "--override",
            type=reason,
            metavar="REASON",
            help="promote although a gate does not pass (refused otherwise, exit 1); the "
            "override is recorded with who, when, which gates and this reason",
        )
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
    return parser


def run(args: argparse.Namespace) -> int:
    action: Capability = args.action
    if getattr(args, "full", False):
        action = Capability.PROMOTE_FULL

    async def main() -> int:
        wired = wiring(args)
        mask = secret_mask(wired.config)
        try:
            allowed(
                action,
                read_only=wired.config.ui.read_only,
                capabilities=wired.deploy.capabilities,
                adapter=wired.config.deploy.kind,
            )
            rollout = await chosen_rollout(wired.deploy, args.id)
            expect = expectation(args, rollout)
            judged = None
            if action in PROMOTING:
                judged = await judge_promotion(wired, rollout, action, expect, args.override)
                if judged.refused:
                    print(mask(f"rollwatch: {judged.refused}"), file=sys.stderr)
                    return EXIT_REFUSED
            try:
                if judged is None:
                    after = await perform(wired.deploy, rollout.id, action, expect)
                else:
                    promoted = await promote(judged)
                    if promoted.after is None:
                        print(mask(f"rollwatch: {promoted.refused}"), file=sys.stderr)
                        return EXIT_REFUSED
                    if promoted.override:
                        print(mask(promoted.override))
                    after = promoted.after
            except Unreachable as lost:
                outcome = await after_lost_answer(wired.deploy, action, rollout, lost)
                print(mask(f"rollwatch: {outcome.message}"), file=sys.stderr)
                return outcome.code
        finally:
            await wired.aclose()
        print(mask(f"{args.action.value} {rollout.id}: {output.moved(record(after))}"))
        return 0

    return asyncio.run(main())


def reason(text: str) -> str:
    """`--override REASON`, held to the rule the prompt's reason field follows."""
    try:
        return override_reason(text)
    except Refused as refused:
        raise argparse.ArgumentTypeError(str(refused)) from None


def expectation(args: argparse.Namespace, rollout: Rollout) -> Expectation:
    """The caller's preconditions if they gave any, else the rollout exactly as just read."""
    step = getattr(args, "expect_step", None)
    revision = getattr(args, "expect_revision", None)
    if step is None and revision is None:
        return Expectation.of(rollout)
    return Expectation(
        step=None if step is None else format.step_index(step), canary_revision=revision
    )
