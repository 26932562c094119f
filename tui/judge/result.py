"""What the judge says of one gate: the shared result, and the estimate its statistic made.

`GateResult` is the shape every deploy system's gates share, and a wire format; a gate that
rollwatch judges says one thing more, how its own statistic puts the canary against stable.
The screen writes that number beside the gate's graph as it is, so the number a person reads
there is the one the gate judged, not one worked out again another way.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict

from backends.model import GateResult

Measure = Literal["rates", "values"]
"""What a ratio is of: events per unit of exposure (errors per request), or the metric's own
values (a latency), which read as a change."""


class Estimate(BaseModel):
    """The canary over stable, as the gate's statistic estimates it."""

    model_config = ConfigDict(frozen=True)

    ratio: float
    """Canary over stable: +inf when only the canary has events."""
    of: Measure


class JudgedGate(GateResult):
    """A gate rollwatch judged: its result, and its estimate where its kind makes one.

    Count and rate gates estimate the ratio of the two sides' rates, continuous gates the ratio
    of their typical values (geometric means of the pairs), compare gates the ratio of the
    means of the samples they ranked. Threshold and relative gates judge an aggregate over a
    window, which their metric's row works out from the same samples at every frame.
    """

    estimate: Estimate | None = None


def estimate(ratio: float, of: Measure) -> Estimate | None:
    """The estimate, or None when there is none to show: no data, or both sides at zero."""
    if math.isnan(ratio) or (of == "values" and not math.isfinite(ratio)):
        return None
    return Estimate(ratio=ratio, of=of)
