"""How a rollout record reads for a person: the list table, the status block, wait's lines.

Every command without a screen prints through here, from the record `tui.cli.records` builds,
so text and JSON say the same thing and a step reads `3/7` everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence

from tui import format
from tui.cli.records import GateRecord, RolloutRecord


def table(records: Sequence[RolloutRecord]) -> str:
    """`rollwatch list`: one line per rollout, the change (free text) last."""
    rows = [("ID", "PHASE", "STEP", "CANARY", "CHANGE")]
    for r in records:
        decision = " (waits for you)" if r.awaits_decision else ""
        rows.append(
            (
                r.id,
                f"{r.phase}{decision}",
                format.step_of(r.step.number, r.step.of),
                format.weight(r.canary_weight),
                _change(r),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4]
        for row in rows
    )


def status(r: RolloutRecord) -> str:
    """`rollwatch status`: the rollout, its revisions, its change, and every gate."""
    lines = [f"{r.id}: {r.phase}" + (f" — {r.message}" if r.message else "")]
    lines.append(f"  step     {format.step_of(r.step.number, r.step.of)} {r.step.label or 'done'}")
    lines.append(f"  stable   {r.revisions.stable or '—'} ({format.weight(100 - r.canary_weight)})")
    if r.revisions.canary:
        lines.append(f"  canary   {r.revisions.canary} ({format.weight(r.canary_weight)})")
    lines.append(f"  change   {_change(r)}")
    if r.outcome:
        lines.append(f"  ended    {r.outcome}")
    if r.verdict:
        lines.append(f"  verdict  {r.verdict.explanation}")
    lines.extend(f"    {_gate(g)}" for g in r.gates or ())
    lines.extend(_links(r))
    if r.awaits_decision:
        lines.append("  waiting for a decision: promote or abort")
    return "\n".join(lines)


def moved(r: RolloutRecord) -> str:
    """One line for where the rollout is: wait's progress and the action commands' answer."""
    return (
        f"{r.phase}, step {format.step_of(r.step.number, r.step.of)} {r.step.label or 'done'}, "
        f"canary {format.weight(r.canary_weight)}"
    )


def changes(before: RolloutRecord | None, after: RolloutRecord) -> list[str]:
    """What `wait` prints when a record changes: only the parts that did."""
    lines: list[str] = []
    if before is None or rollout_view(before) != rollout_view(after):
        lines.append(moved(after))
    if after.verdict and (before is None or gates_view(before) != gates_view(after)):
        lines.append(f"verdict: {after.verdict.explanation}")
        lines.extend(f"  {_gate(g)}" for g in after.gates or ())
    if before is None or before.links != after.links:
        old = before.links if before and before.links else None
        for source in ("deploy", "metrics"):
            error = getattr(after.links, source) if after.links else None
            was = getattr(old, source) if old else None
            if error and error != was:
                lines.append(f"{source}: {error} — retrying")
            elif was and not error:
                lines.append(f"{source}: answering again")
    return lines


def rollout_view(r: RolloutRecord) -> tuple[object, ...]:
    """What the deploy system says, apart from the judge's numbers."""
    return (r.phase, r.message, r.step, r.canary_weight, r.revisions, r.awaits_decision)


def gates_view(r: RolloutRecord) -> tuple[object, ...]:
    """The verdict and each gate's status: what changes a decision, not every new sample."""
    verdict = r.verdict.status if r.verdict else None
    return verdict, tuple((g.name, g.status) for g in r.gates or ())


def _change(r: RolloutRecord) -> str:
    c = r.change
    return f"{(c.sha or '')[:7]} {c.title or ''} — {c.author or '?'}"


def _gate(g: GateRecord) -> str:
    whose = "(controller) " if g.source == "controller" else ""
    return f"{g.status:<8} {whose}{g.explanation}"


def _links(r: RolloutRecord) -> list[str]:
    if r.links is None:
        return []
    return [
        f"  {source:<8} {error}"
        for source, error in (("deploy", r.links.deploy), ("metrics", r.links.metrics))
        if error
    ]
