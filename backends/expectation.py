"""The check every action makes before it writes: is the rollout still what the user confirmed?

One check and one wording for every adapter (the HTTP API's servers answer with it too, through
the simulator behind `sim-serve`), so a refusal reads the same whichever deploy system said no:

    shop/checkout-api moved on: it is at step 3/7 (canary 6cbccd9f), you confirmed step 2/7
    (canary 6cbccd9f)

Steps are counted from 1 here, as everywhere a person reads them; the model keeps the 0-based
index, as Argo does.
"""

from __future__ import annotations

from dataclasses import dataclass

from backends.errors import Conflict
from backends.model import Expectation, Rollout


def check_expectation(expect: Expectation, current: Rollout) -> None:
    """Refuse an action confirmed on a rollout that has moved on since.

    Only what the expectation carries is compared: a script that confirmed a step alone is not
    refused because the object's version moved.

    Raises:
        Conflict: the step, the canary revision or the object's version differs; its message
            names the rollout, its detail says where it is now and what was confirmed.
    """
    canary = current.canary.id if current.canary else None
    step_moved = expect.step is not None and expect.step != current.current_step
    canary_moved = expect.canary_revision is not None and expect.canary_revision != canary
    version_moved = expect.version is not None and expect.version != current.version
    if not (step_moved or canary_moved or version_moved):
        return
    shown = _Shown(
        step=expect.step is not None,
        canary=expect.canary_revision is not None,
        version=not (step_moved or canary_moved),
        total=current.step_count,
    )
    now = shown.where(current.current_step, canary, current.version)
    confirmed = shown.where(expect.step, expect.canary_revision, expect.version)
    raise Conflict(f"{current.id} moved on", detail=f"it is at {now}, you confirmed {confirmed}")


@dataclass(frozen=True)
class _Shown:
    """Which parts both sides of the wording show: the step and canary that were confirmed, and
    the object's version only when nothing else moved (it is opaque: noise beside a step)."""

    step: bool
    canary: bool
    version: bool
    total: int

    def where(self, step: int | None, canary: str | None, version: str | None) -> str:
        details = []
        if self.canary:
            details.append(f"canary {canary}" if canary else "no canary")
        if self.version:
            details.append(f"version {version}")
        if not self.step:
            return ", ".join(details)
        at = _step(step, self.total)
        return f"{at} ({', '.join(details)})" if details else at


def _step(index: int | None, total: int) -> str:
    """`step 3/7` for the 0-based index 2; past the last step, the end of the plan."""
    if index is None:
        return "no step"
    if total and index >= total:
        return f"the end of its {total} steps"
    return f"step {index + 1}/{total}" if total else f"step {index + 1}"
