"""The one Expectation check: what it compares and how a refusal reads (steps counted from 1)."""

from __future__ import annotations

import pytest

from backends.errors import Conflict
from backends.expectation import check_expectation
from backends.model import Expectation, Phase, Revision, Role, Rollout, Step, StepKind

ID = "shop/checkout-api"


def rollout(
    step: int | None = 2,
    canary: str | None = "6cbccd9f",
    version: str | None = "41",
    steps: int = 7,
) -> Rollout:
    return Rollout(
        id=ID,
        name="checkout-api",
        namespace="shop",
        service="checkout-api",
        phase=Phase.PAUSED if step is not None and step < steps else Phase.HEALTHY,
        steps=[Step(index=i, kind=StepKind.PAUSE, label=f"pause {i}") for i in range(steps)],
        current_step=step,
        stable=Revision(id="5f7d9c2a", role=Role.STABLE),
        canary=Revision(id=canary, role=Role.CANARY) if canary else None,
        version=version,
    )


def refusal(expect: Expectation, current: Rollout) -> str:
    with pytest.raises(Conflict) as refused:
        check_expectation(expect, current)
    assert refused.value.message == f"{ID} moved on"
    return str(refused.value)


def test_what_the_user_saw_passes():
    check_expectation(Expectation.of(rollout()), rollout())
    check_expectation(Expectation(), rollout())


def test_a_step_moved_on_reads_one_based():
    seen = Expectation.of(rollout(step=1, version="40"))
    assert refusal(seen, rollout(step=2)) == (
        "shop/checkout-api moved on: it is at step 3/7 (canary 6cbccd9f), "
        "you confirmed step 2/7 (canary 6cbccd9f)"
    )


def test_a_new_canary_is_named_on_both_sides():
    seen = Expectation.of(rollout(canary="0a1b2c3d", version="40"))
    assert refusal(seen, rollout()) == (
        "shop/checkout-api moved on: it is at step 3/7 (canary 6cbccd9f), "
        "you confirmed step 3/7 (canary 0a1b2c3d)"
    )
    assert refusal(Expectation.of(rollout()), rollout(canary=None)).endswith(
        "it is at step 3/7 (no canary), you confirmed step 3/7 (canary 6cbccd9f)"
    )


def test_the_version_is_shown_only_when_nothing_else_moved():
    assert refusal(Expectation.of(rollout(version="40")), rollout()) == (
        "shop/checkout-api moved on: it is at step 3/7 (canary 6cbccd9f, version 41), "
        "you confirmed step 3/7 (canary 6cbccd9f, version 40)"
    )


def test_only_what_was_confirmed_is_compared_and_shown():
    """A script that confirmed a step alone (`--expect-step`) sees only steps."""
    check_expectation(Expectation(step=2), rollout(canary="ffffffff", version="99"))
    assert refusal(Expectation(step=3), rollout()) == (
        "shop/checkout-api moved on: it is at step 3/7, you confirmed step 4/7"
    )
    assert refusal(Expectation(canary_revision="0a1b2c3d"), rollout()) == (
        "shop/checkout-api moved on: it is at canary 6cbccd9f, you confirmed canary 0a1b2c3d"
    )
    assert refusal(Expectation(version="40"), rollout()) == (
        "shop/checkout-api moved on: it is at version 41, you confirmed version 40"
    )


def test_past_the_last_step_reads_as_the_end_of_the_plan():
    assert refusal(Expectation(step=6), rollout(step=7)) == (
        "shop/checkout-api moved on: it is at the end of its 7 steps, you confirmed step 7/7"
    )
    assert refusal(Expectation(step=0), rollout(step=None)) == (
        "shop/checkout-api moved on: it is at no step, you confirmed step 1/7"
    )
    assert refusal(Expectation(step=0), rollout(step=1, steps=0)) == (
        "shop/checkout-api moved on: it is at step 2, you confirmed step 1"
    )
