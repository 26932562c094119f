"""The gate kinds: each kind's name, the spec it is configured with, and its evaluator.

`KINDS` is the one place that knows every kind: the judge finds a gate's evaluator here, and
the config loader the spec that a `[[gate]]` table's `kind` names. A kind's module reads top
to bottom: fetch its data, compute its statistic, decide, and write its line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from tui.judge.data import Look
from tui.judge.kinds import compare, continuous, count, rate, relative, threshold
from tui.judge.result import JudgedGate
from tui.judge.specs import (
    CompareGate,
    ContinuousGate,
    CountGate,
    RateGate,
    RelativeGate,
    ThresholdGate,
)


@dataclass(frozen=True)
class Kind:
    """A gate kind: its spec model and the function that judges one gate of it at one look."""

    spec: type[BaseModel]
    evaluate: Callable[[Any, Look], JudgedGate]


KINDS: dict[str, Kind] = {
    "threshold": Kind(ThresholdGate, threshold.evaluate),
    "relative": Kind(RelativeGate, relative.evaluate),
    "compare": Kind(CompareGate, compare.evaluate),
    "rate": Kind(RateGate, rate.evaluate),
    "count": Kind(CountGate, count.evaluate),
    "continuous": Kind(ContinuousGate, continuous.evaluate),
}
