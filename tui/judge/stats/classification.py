"""Kayenta's classification of a canary: which significant change fails the gate, and as what.

Shared by the rank test of the compare gate and the rate test of the rate gate, so that both
apply one rule for direction and allowed effect size to the change each one finds.
"""

from __future__ import annotations

from typing import Literal

Direction = Literal["increase", "decrease", "either"]
Label = Literal["Pass", "High", "Low", "NoData"]

Change = Literal["up", "down", "none"]


def classify(
    up: bool,
    down: bool,
    direction: Direction,
    effect: float,
    allowed_increase: float,
    allowed_decrease: float,
) -> Label:
    """Kayenta's decision: a significant move that the direction fails and the effect reaches.

    An effect of NaN (stable is zero) cannot be compared, so it does not veto.
    """
    if up and direction != "decrease" and not effect < allowed_increase:
        return "High"
    if down and direction != "increase" and not effect > allowed_decrease:
        return "Low"
    return "Pass"
