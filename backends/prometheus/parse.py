"""Reading the answers of a PromQL range query: the JSON envelope, its matrix and its errors.

Sample values arrive as strings so that NaN and ±Inf survive JSON; a template without `sum by`
yields several series per role, which are averaged here and said so; and each HTTP status and
malformed body maps to the rollwatch error that tells the user what to change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from pydantic import BaseModel, Field, ValidationError

from backends.connection.failures import snippet, status_error
from backends.errors import BadResponse
from backends.model import Point, Role
from backends.text_safety import SecretMask


class Series(BaseModel):
    metric: dict[str, str] = Field(default_factory=dict)
    values: list[tuple[float, str]] = Field(default_factory=list)
    histograms: list[Any] | None = None


class _Data(BaseModel):
    resultType: str
    result: list[Series]


class _Envelope(BaseModel):
    status: Literal["success", "error"]
    data: Any = None
    errorType: str | None = None
    error: str | None = None
    warnings: list[str] = Field(default_factory=list)
    infos: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class Answer:
    """One query's series and the store's own warnings."""

    series: list[Series]
    warnings: list[str]


def _labels(metric: dict[str, str]) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(metric.items())) + "}"


_SPECIAL = {"NaN": math.nan, "+Inf": math.inf, "-Inf": -math.inf, "Inf": math.inf}


def _points(series: Series) -> list[Point]:
    """Samples as floats: the API sends values as strings so that NaN and ±Inf survive JSON."""
    points = []
    for t, raw in series.values:
        try:
            value = _SPECIAL[raw] if raw in _SPECIAL else float(raw)
        except ValueError:
            raise BadResponse(
                "the store sent a sample value that is not a number", detail=_quoted(raw)
            ) from None
        points.append(Point(t=t, v=value))
    return points


def _quoted(raw: str) -> str:
    """A short value quoted whole (so a mask can still find a secret in it), a long one not."""
    return repr(raw) if len(raw) <= 60 else f"a text of {len(raw):,} characters"


def _mean(values: Sequence[float]) -> float:
    """NaN samples (an idle pod's 0/0) are left out unless every series is NaN there."""
    numbers = [v for v in values if not math.isnan(v)]
    return sum(numbers) / len(numbers) if numbers else math.nan


def _merge(series: list[Series]) -> list[Point]:
    by_time: dict[float, list[float]] = {}
    for one in series:
        for point in _points(one):
            by_time.setdefault(point.t, []).append(point.v)
    return [Point(t=t, v=_mean(values)) for t, values in sorted(by_time.items())]


def split_by_revision(
    result: list[Series],
    label: str,
    revisions: dict[Role, str],
    name: str,
    warnings: list[str],
) -> dict[Role, list[Series]]:
    """One grouped query's series per role, by `label`; a series that fits no role is reported."""
    found: dict[Role, list[Series]] = {role: [] for role in revisions}
    for series in result:
        value = series.metric.get(label)
        roles = [role for role, revision in revisions.items() if revision == value]
        if value is None:
            warnings.append(
                f"{name}: series {_labels(series.metric)} has no label {label!r} to tell the "
                f"revisions apart; keep it in the query, e.g. sum by ({label}) (...)"
            )
        elif not roles:
            warnings.append(f"{name}: ignored series of another revision, {value!r}")
        for role in roles:
            found[role].append(series)
    return found


def collapse(
    series: list[Series], what: str, label: str | None, warnings: list[str]
) -> list[Point]:
    """One series per role: several (a template without `sum by`) are averaged, and said so.

    The mean compares like with like when the canary runs on fewer pods than stable, where a
    sum would make the bigger side look worse; the template decides by aggregating itself.
    """
    for one in series:
        if one.histograms and not one.values:
            warnings.append(
                f"{what}: series {_labels(one.metric)} holds native histograms, which cannot "
                "be drawn; wrap the query in histogram_quantile() or histogram_count()"
            )
    if len(series) == 1:
        return _points(series[0])
    shown = ", ".join(_labels(one.metric) for one in series[:3])
    more = f" and {len(series) - 3} more" if len(series) > 3 else ""
    by = f"sum by ({label}) or avg by ({label})" if label else "sum() or avg()"
    warnings.append(
        f"{len(series)} series for {what} ({shown}{more}); averaged them per timestamp — "
        f"aggregate in the query ({by}) to choose how"
    )
    return _merge(series)


def error_text(response: httpx.Response, mask: SecretMask) -> str:
    """The store's `errorType: error` when the body is its JSON envelope, else the body, masked
    before it is cut so that no part of a secret is left at the cut."""
    try:
        envelope = _Envelope.model_validate_json(response.content)
    except ValidationError:
        return snippet(mask(response.text))
    return snippet(mask(f"{envelope.errorType}: {envelope.error}"))


def parse_answer(
    response: httpx.Response,
    name: str,
    rendered: str,
    *,
    url: str,
    endpoint: str,
    auth_description: str,
    mask: SecretMask,
) -> Answer:
    """The answer's series, or the error that says what to fix: credentials, url or query.

    A body is masked before it is cut into the error, so no part of a secret is left at the cut.
    """
    code = response.status_code

    def body() -> str:
        return snippet(mask(response.text))

    if code in (401, 403, 404):
        raise status_error(
            code,
            url=url,
            endpoint=endpoint,
            api="query API",
            what=f"the query for {name!r}",
            auth=auth_description,
            detail=body() or None,
        )
    rejected = f"the store rejected the query for {name!r}: {rendered}"
    try:
        envelope = _Envelope.model_validate_json(response.content)
    except ValidationError:
        raise BadResponse(
            f"{rejected} (HTTP {code}, not the API's JSON)"
            if code >= 300
            else f"the answer to {name!r} is not the API's JSON (HTTP {code})",
            detail=body(),
        ) from None
    if envelope.status == "error" or code >= 300:
        raise BadResponse(rejected, detail=snippet(mask(f"{envelope.errorType}: {envelope.error}")))
    try:
        data = _Data.model_validate(envelope.data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in ("data", *first["loc"]))
        raise BadResponse(
            f"the answer to {name!r} holds no readable result",
            detail=f"{where}: {first['msg']}",
        ) from None
    if data.resultType != "matrix":
        raise BadResponse(
            f"the answer to {name!r} is a {snippet(mask(data.resultType))}, not a range (matrix)"
        )
    return Answer(series=data.result, warnings=[*envelope.warnings, *envelope.infos])
