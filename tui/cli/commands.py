"""What each command does once its arguments are parsed: demo, watch, list, status, wait, act.

Commands find their backends the same way: `--backend simulator` needs nothing else, any other
source is rollwatch.toml (with `--backend` replacing its deploy adapter).
"""

from __future__ import annotations

import argparse
import json
import sys

from backends.base import Capability
from backends.errors import NotFound
from backends.model import Expectation, RolloutSummary
from backends.registry import DEPLOY_GROUP, adapter_names
from tui import format
from tui.cli import headless
from tui.config.load import AdapterTable, load_config
from tui.session.wiring import Wiring, from_config, simulated

AUTO_CONFIRM = 120.0
"""Simulated seconds after which `wait` on the simulator confirms a pause by itself."""


class UsageError(Exception):
    """A mistake in what the user asked for; the message says how to fix it."""


def wiring(args: argparse.Namespace, *, auto_confirm: float | None = None) -> Wiring:
    if args.backend == "simulator":
        return simulated(args.scenario, args.seed, speed=args.speed, auto_confirm=auto_confirm)
    known = adapter_names(DEPLOY_GROUP)
    if args.backend and args.backend not in known:
        raise UsageError(f"unknown deploy adapter {args.backend!r}; known: {', '.join(known)}")
    config = load_config(args.config)
    deploy = AdapterTable(kind=args.backend) if args.backend else config.deploy
    overrides = {
        key: value
        for key, value in (
            ("context", args.context),
            ("namespace", args.namespace),
            ("all_namespaces", args.all_namespaces or None),
        )
        if value is not None
    }
    if overrides:
        deploy = AdapterTable(kind=deploy.kind, options={**deploy.options, **overrides})
    return from_config(config.model_copy(update={"deploy": deploy}))


async def rollout_id(args: argparse.Namespace, wired: Wiring) -> str:
    """The id given, or the simulator's own rollout; a wrong id lists the right ones."""
    if args.id is None:
        if wired.simulator is not None:
            return wired.simulator.primary_id
        known = ", ".join(r.id for r in await wired.deploy.list_rollouts()) or "none"
        raise UsageError(f"which rollout? pass its id; rollouts now: {known}")
    try:
        await wired.deploy.get_rollout(args.id)
    except NotFound as error:
        raise UsageError(f"{error} (run `rollwatch list` to see the ids)") from None
    return str(args.id)


def demo(args: argparse.Namespace) -> int:
    from tui.app import RollwatchApp

    wired = simulated(args.scenario, args.seed, speed=args.speed)
    assert wired.simulator is not None
    session = wired.session(wired.simulator.primary_id, read_only=args.read_only)
    RollwatchApp(session, ui=wired.config.ui).run()
    return 0


async def watch(args: argparse.Namespace) -> int:
    """The watch screen on a configured rollout, in the loop its backends' clients belong to."""
    from tui.app import RollwatchApp

    wired = wiring(args)
    try:
        session = wired.session(await rollout_id(args, wired), read_only=args.read_only)
        await RollwatchApp(session, ui=wired.config.ui).run_async()
    finally:
        await wired.aclose()
    return 0


async def list_rollouts(args: argparse.Namespace) -> int:
    wired = wiring(args)
    try:
        rollouts = await wired.deploy.list_rollouts()
    finally:
        await wired.aclose()
    if args.json:
        print(json.dumps([r.model_dump(mode="json") for r in rollouts], indent=2))
    else:
        print(_table(rollouts))
    return 0


def _table(rollouts: list[RolloutSummary]) -> str:
    rows = [("ID", "PHASE", "STEP", "CANARY", "CHANGE")]
    for r in rollouts:
        step = format.position(r.current_step, r.step_count)
        decision = " (waits for you)" if r.awaits_decision else ""
        change = f"{r.change.short_sha} {r.change.title or ''} — {r.change.author or '?'}"
        rows.append((r.id, f"{r.phase}{decision}", step, format.weight(r.canary_weight), change))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4]
        for row in rows
    )


async def status(args: argparse.Namespace) -> int:
    wired = wiring(args)
    try:
        session = wired.session(await rollout_id(args, wired))
        await session.snapshot()
    finally:
        await wired.aclose()
    if args.json:
        print(json.dumps(headless.status_document(session), indent=2))
    else:
        print(headless.status_text(session))
    return 0


async def wait(args: argparse.Namespace) -> int:
    wired = wiring(args, auto_confirm=AUTO_CONFIRM)
    try:
        session = wired.session(await rollout_id(args, wired))
        return await headless.wait(session, timeout=args.timeout, as_json=args.json)
    finally:
        await wired.aclose()


async def act(args: argparse.Namespace) -> int:
    """promote, abort, retry or pause from a script, guarded by the preconditions given."""
    wired = wiring(args)
    try:
        rid = await rollout_id(args, wired)
        if wired.config.ui.read_only and args.command != "retry":
            raise UsageError(f"read-only: [ui] read_only is set in {wired.config.source}")
        rollout = await wired.deploy.get_rollout(rid)
        expect = Expectation(
            step=None if args.expect_step is None else args.expect_step - 1,
            canary_revision=args.expect_revision,
        )
        full = getattr(args, "full", False)
        needed = {
            "promote": Capability.PROMOTE_FULL if full else Capability.PROMOTE,
            "abort": Capability.ABORT,
            "retry": Capability.RETRY,
            "pause": Capability.PAUSE,
        }[args.command]
        if needed not in wired.deploy.capabilities:
            verb = needed.value.replace("_", " ")
            raise UsageError(f"the {rollout.kind} adapter cannot {verb} rollouts")
        if args.command == "promote":
            after = await wired.deploy.promote(rid, expect=expect, full=full)
        elif args.command == "abort":
            after = await wired.deploy.abort(rid, expect=expect)
        elif args.command == "retry":
            after = await wired.deploy.retry(rid)
        else:
            after = await wired.deploy.pause(rid, expect=expect)
    finally:
        await wired.aclose()
    step = after.step_at(after.current_step)
    where = f"step {format.position(after.current_step, after.step_count)}"
    print(
        f"{args.command} {rid}: {after.phase}, {where}"
        + (f" {step.label}" if step else "")
        + f", canary {format.weight(after.actual_weight)}",
        file=sys.stdout,
    )
    return 0
