"""A finished rollout keeps what it was judged on: the failing gates, or the override."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from backends.base import Capability
from backends.model import (
    EventLevel,
    Expectation,
    GateResult,
    GateStatus,
    Phase,
    Revision,
    Role,
    Rollout,
    RolloutEvent,
)
from tui.judge.verdict import Judgement
from tui.session.decisions import Confirmation, override_event
from tui.session.ending import ending

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ERRORS = "errors: canary 1.3 % vs stable 0.2 % (+550 %) — High: evidence 140× against no increase"


def rollout(phase: Phase, message: str = "") -> Rollout:
    return Rollout(
        id="shop/checkout-api",
        name="checkout-api",
        service="checkout-api",
        phase=phase,
        message=message,
        stable=Revision(id="6cbccd9f99", role=Role.STABLE),
        canary=Revision(id="7d5f8b6c4d", role=Role.CANARY),
    )


def judgement(*gates: tuple[str, GateStatus]) -> Judgement:
    results = [GateResult(name=e.split(":")[0], status=s, explanation=e) for e, s in gates]
    worst = GateStatus.FAIL if any(s == GateStatus.FAIL for _, s in gates) else GateStatus.PASS
    return Judgement(results, worst, 0.0, "score 0", None)


def test_a_running_rollout_has_no_ending():
    assert ending(rollout(Phase.PROGRESSING), judgement((ERRORS, GateStatus.FAIL)), []) is None


def test_an_aborted_rollout_keeps_the_failing_gates_numbers():
    said = ending(
        rollout(Phase.ABORTED, "RolloutAborted"), judgement((ERRORS, GateStatus.FAIL)), []
    )
    assert said == f"aborted: {ERRORS}"


def test_a_rollout_completed_over_an_override_names_it_and_who():
    confirmation = Confirmation(
        Capability.PROMOTE, Expectation(step=1), token=1, overrides=("p99 latency",)
    )
    events = [
        RolloutEvent(time=NOW, message="step 2/7", level=EventLevel.INFO),
        override_event(confirmation, NOW + timedelta(minutes=1), "ana.silva"),
    ]
    said = ending(rollout(Phase.HEALTHY), judgement((ERRORS, GateStatus.FAIL)), events)
    assert said == "completed over an override of p99 latency by ana.silva"


def test_a_clean_completion_says_the_verdict_it_held():
    passing = Judgement([], GateStatus.PASS, 100.0, "score 100 (4 of 4 gates pass)", None)
    assert ending(rollout(Phase.HEALTHY), passing, []) == "completed: score 100 (4 of 4 gates pass)"


def test_with_nothing_judged_the_deploy_systems_words_are_kept():
    assert ending(rollout(Phase.DEGRADED, "ProgressDeadlineExceeded"), None, []) == (
        "degraded: ProgressDeadlineExceeded"
    )
