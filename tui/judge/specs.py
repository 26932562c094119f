"""What to watch and how to judge it: metric and gate definitions from rollwatch.toml.

These are the validated shapes of the `[[metric]]` and `[[gate]]` tables. The session renders
metric templates from them; the judge evaluates gates from them. Field docs double as the
config reference, so they say what a user would want to know.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MetricSpec(_Spec):
    name: str = Field(description="Short name shown on screen, e.g. 'p99 latency'.")
    query: str = Field(
        description="Query template; {service} {namespace} {workload} {revision} {role} are filled."
    )
    unit: str = Field("", description="Unit shown after values: 'ms', '%', 'req/s'.")
    better: Literal["lower", "higher"] = "lower"
    split: bool = Field(True, description="False for a dependency metric drawn as one series.")
    resolution: timedelta = Field(timedelta(seconds=10), description="Step between samples.")
    sample_span: timedelta | None = Field(
        None,
        description="The stretch of traffic each sample sums up: the query's rate window, '1m' "
        "for rate(...[1m]) (default: the resolution). Samples closer than this share requests, "
        "so anytime-valid gates on the metric judge one per span.",
    )
    scale: float = Field(1.0, description="Multiply values by this before showing (0.001->ms).")
    revision_label: str | None = Field(
        None, description="Label carrying the revision, so one query can fetch both revisions."
    )
    show: bool = Field(True, description="False for a metric only gates use (an error count).")


class _Gate(_Spec):
    name: str
    window: timedelta = Field(timedelta(minutes=5), description="Sliding window judged.")
    min_samples: int = Field(
        20, ge=1, description="Below this, the gate is pending (5 min at 10 s holds 30)."
    )
    weight: float = Field(1.0, ge=0)
    critical: bool = Field(False, description="A failure sets the overall score to 0.")


class ThresholdGate(_Gate):
    kind: Literal["threshold"] = "threshold"
    metric: str
    aggregate: Literal["mean", "max", "min", "last", "p50", "p90", "p95", "p99"] = "mean"
    max: float | None = None
    min: float | None = None

    @model_validator(mode="after")
    def _has_bound(self) -> ThresholdGate:
        if self.max is None and self.min is None:
            raise ValueError("a threshold gate needs max, min or both")
        return self


class RelativeGate(_Gate):
    kind: Literal["relative"] = "relative"
    metric: str
    aggregate: Literal["mean", "p50", "p90", "p95", "p99", "max"] = "mean"
    tolerance: float = Field(0.1, ge=0, description="0.1 allows canary 10 % worse than stable.")


class CompareGate(_Gate):
    kind: Literal["compare"] = "compare"
    metric: str
    confidence: float = Field(0.98, gt=0, lt=1)
    direction: Literal["increase", "decrease", "either"] | None = Field(
        None, description="Which change fails; default follows the metric's `better`."
    )
    allowed_increase: float = Field(1.0, ge=1.0, description="Ratio of means allowed up.")
    allowed_decrease: float = Field(1.0, gt=0, le=1.0, description="Ratio of means allowed down.")
    nan_strategy: Literal["remove", "replace"] = "remove"
    remove_outliers: bool = False
    outlier_factor: float = Field(3.0, gt=0)
    must_have_data: bool = False


class RateGate(_Gate):
    kind: Literal["rate"] = "rate"
    numerator: str = Field(description="Metric name of the event count rate (errors/s).")
    denominator: str = Field(description="Metric name of the total count rate (requests/s).")
    confidence: float = Field(0.98, gt=0, lt=1)
    direction: Literal["increase", "decrease", "either"] = "increase"
    allowed_increase: float = Field(1.0, ge=1.0)
    allowed_decrease: float = Field(1.0, gt=0, le=1.0)
    min_samples: int = Field(6, ge=1)


class _Sequential(_Spec):
    """An anytime-valid gate: judges everything since the canary began, one sample at a time.

    It has no window: evidence accumulates for as long as the canary revision runs, and a
    failure stays a failure for that revision. `confidence` bounds the chance that a healthy
    canary ever fails, however long and however often it is watched.
    """

    name: str
    confidence: float = Field(
        0.99,
        gt=0,
        lt=1,
        description="0.99 fails on evidence of 100x; a healthy canary fails "
        "with at most 1 % probability over the whole watch.",
    )
    min_samples: int = Field(
        6, ge=1, description="Below this many intervals judged, the gate is pending."
    )
    weight: float = Field(1.0, ge=0)
    critical: bool = Field(False, description="A failure sets the overall score to 0.")

    @property
    def threshold(self) -> float:
        """The evidence at which the gate fails: 1 / (1 - confidence), 100 for 0.99."""
        return 1.0 / (1.0 - self.confidence)


class CountGate(_Sequential):
    kind: Literal["count"] = "count"
    numerator: str = Field(description="Metric name of the event count rate (errors/s).")
    denominator: str = Field(description="Metric name of the exposure rate (requests/s).")
    direction: Literal["increase", "decrease", "either"] = "increase"
    allowed_increase: float = Field(
        1.0, ge=1.0, description="Ratio of rates allowed up: 1.5 fails only beyond +50 %."
    )
    allowed_decrease: float = Field(1.0, gt=0, le=1.0, description="Ratio of rates allowed down.")


class ContinuousGate(_Sequential):
    kind: Literal["continuous"] = "continuous"
    metric: str
    direction: Literal["increase", "decrease", "either"] | None = Field(
        None, description="Which change fails; default follows the metric's `better`."
    )
    allowed_increase: float = Field(
        1.0, ge=1.0, description="Canary/stable ratio allowed up: 1.02 lets +2 % pass."
    )
    allowed_decrease: float = Field(1.0, gt=0, le=1.0, description="Ratio allowed down.")


GateSpec = Annotated[
    ThresholdGate | RelativeGate | CompareGate | RateGate | CountGate | ContinuousGate,
    Field(discriminator="kind"),
]


RollingGate = ThresholdGate | RelativeGate | CompareGate | RateGate
"""The kinds that judge a sliding window afresh at every look, as Kayenta, Argo and Flagger do."""


def subject(gate: GateSpec) -> str:
    """The metric a gate's result is reported against: errors, not requests, for a rate."""
    return gate.numerator if isinstance(gate, RateGate | CountGate) else gate.metric


def references(gate: GateSpec) -> dict[str, str]:
    """The metrics a gate reads, by the field that names each."""
    if isinstance(gate, RateGate | CountGate):
        return {"numerator": gate.numerator, "denominator": gate.denominator}
    return {"metric": gate.metric}


class JudgeSpec(_Spec):
    """How gate results combine into one verdict (Kayenta's score thresholds)."""

    pass_score: float = Field(95.0, ge=0, le=100)
    marginal_score: float = Field(75.0, ge=0, le=100)
    bake: timedelta = Field(
        timedelta(0), description="How long the canary must hold before promotion is advised."
    )
