"""The `rollwatch` command: the demo, the live UI and the headless commands.

Every user error ends the same way: one line naming the problem and the fix, exit code 2, no
traceback. Outside failures that persist end with exit code 4 and the system's own words.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from typing import NoReturn

from pydantic import ValidationError

from backends.base import BackendError, DeployBackend, NotFound
from backends.clock import SystemClock
from backends.registry import DEPLOY_GROUP, AdapterContext, UnknownAdapter, load_factory
from backends.sim_world import SCENARIOS
from backends.simulator import Simulator, SimulatorOptions
from tui import config_commands, format, sim_serve
from tui.demo import demo_session

EXIT_USAGE = 2
EXIT_BACKEND = 4


class UsageError(Exception):
    """A mistake in what the user asked for; the message says how to fix it."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {message} (see `{self.prog} --help`)", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def _positive(kind: type[float] | type[int]):
    def parse(text: str) -> float | int:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text!r} must be more than 0")
        return value

    return parse


def _add_simulator_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scenario",
        default="healthy",
        choices=list(SCENARIOS),
        metavar="S",
        help=f"simulated scenario: {', '.join(SCENARIOS)} (default: healthy)",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed (default: 7)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rollwatch",
        description="Watch a progressive deployment roll out: stable and canary side by side, "
        "health gates, and a confirmation before anything moves on.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    demo = commands.add_parser(
        "demo",
        help="watch a simulated canary roll out (nothing to install or configure)",
        description="Run the watch screen on the built-in simulator.",
    )
    _add_simulator_options(demo)
    demo.add_argument(
        "--speed",
        type=_positive(float),
        default=1.0,
        metavar="N",
        help="run simulated time N times faster than real time (default: 1)",
    )
    demo.add_argument(
        "--read-only", action="store_true", help="hide promote and abort (for demos over SSH)"
    )

    listing = commands.add_parser(
        "list",
        help="list the rollouts a deploy backend can see",
        description="List rollouts, one line each, or as JSON.",
    )
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing.add_argument(
        "--backend", default="simulator", help="deploy adapter (default: simulator)"
    )
    _add_simulator_options(listing)

    status = commands.add_parser(
        "status",
        help="print one snapshot of a rollout, without the UI",
        description="Print one rollout's phase, step, revisions and change.",
    )
    status.add_argument("id", metavar="ID", help="rollout id, e.g. shop/checkout-api")
    status.add_argument("--json", action="store_true", help="print JSON instead of text")
    status.add_argument(
        "--backend", default="simulator", help="deploy adapter (default: simulator)"
    )
    _add_simulator_options(status)
    config_commands.add_commands(commands)
    sim_serve.add_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        code = _run(args)
    except UsageError as error:
        print(f"rollwatch: {error}", file=sys.stderr)
        code = EXIT_USAGE
    except BackendError as error:
        print(f"rollwatch: {error}", file=sys.stderr)
        code = EXIT_BACKEND
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)


def _run(args: argparse.Namespace) -> int:
    if args.command == "demo":
        return _demo(args)
    if args.command == "config":
        return config_commands.run(args)
    if args.command == "list":
        return asyncio.run(_list(args))
    if args.command == "sim-serve":
        return sim_serve.run(args)
    return asyncio.run(_status(args))


def _demo(args: argparse.Namespace) -> int:
    from tui.app import RollwatchApp

    clock = SystemClock(speed=args.speed)
    sim = Simulator(clock, SimulatorOptions(scenario=args.scenario, seed=args.seed))
    RollwatchApp(demo_session(sim, read_only=args.read_only)).run()
    return 0


def _deploy_backend(args: argparse.Namespace) -> DeployBackend:
    options: dict[str, object] = {}
    if args.backend == "simulator":
        options = {"scenario": args.scenario, "seed": args.seed}
    try:
        factory = load_factory(DEPLOY_GROUP, args.backend)
        backend: DeployBackend = factory(options, AdapterContext())
    except UnknownAdapter as error:
        raise UsageError(f"{error} (pass --backend with one of them)") from None
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise UsageError(f"backend {args.backend!r}, option {field}: {first['msg']}") from None
    return backend


async def _list(args: argparse.Namespace) -> int:
    backend = _deploy_backend(args)
    try:
        rollouts = await backend.list_rollouts()
    finally:
        await backend.aclose()
    if args.json:
        print(json.dumps([r.model_dump(mode="json") for r in rollouts], indent=2))
        return 0
    rows = [("ID", "PHASE", "STEP", "CANARY", "CHANGE")]
    for r in rollouts:
        step = f"{min((r.current_step or 0) + 1, r.step_count)}/{r.step_count}"
        decision = " (waits for you)" if r.awaits_decision else ""
        change = f"{r.change.short_sha} {r.change.title or ''} — {r.change.author or '?'}"
        rows.append((r.id, f"{r.phase}{decision}", step, format.weight(r.canary_weight), change))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4])
    return 0


async def _status(args: argparse.Namespace) -> int:
    backend = _deploy_backend(args)
    try:
        rollout = await backend.get_rollout(args.id)
    except NotFound as error:
        raise UsageError(f"{error} (run `rollwatch list` to see the ids)") from None
    finally:
        await backend.aclose()
    if args.json:
        print(json.dumps(rollout.model_dump(mode="json"), indent=2))
        return 0
    step = rollout.step_at(rollout.current_step)
    print(f"{rollout.id}: {rollout.phase}" + (f" — {rollout.message}" if rollout.message else ""))
    print(
        f"  step     {(rollout.current_step or 0) + 1}/{rollout.step_count}"
        + (f" {step.label}" if step else " done")
    )
    print(f"  stable   {rollout.stable.id} ({format.weight(rollout.stable.weight)})")
    if rollout.canary:
        print(f"  canary   {rollout.canary.id} ({format.weight(rollout.canary.weight)})")
    change = rollout.change
    print(f"  change   {change.short_sha} {change.title or ''} — {change.author or '?'}")
    if rollout.awaits_decision:
        print("  waiting for a decision: promote or abort")
    return 0
