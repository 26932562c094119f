"""PromQL over HTTP: Prometheus and everything that speaks its query API.

Thanos, Mimir, Cortex and VictoriaMetrics answer the same `/api/v1/query_range`, so one adapter
serves them all; the options cover what sits in front of them (bearer or basic auth, a tenant
header, private CAs, client certificates). An answer is read within MAX_ANSWER bytes, and what
the store says (its errors, its warnings, its label values) reaches the user printable and with
the credentials masked.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx

from backends.connection.client import open_client, secrets_hidden
from backends.connection.failures import NO_ANSWER, tls_failure, unreachable
from backends.connection.limits import send_limited
from backends.errors import BadResponse, Unreachable
from backends.model import MetricQuery, MetricSeries, QueryContext, QueryResult, Role
from backends.prometheus import promql
from backends.prometheus.options import PrometheusOptions
from backends.prometheus.parse import Answer, collapse, error_text, parse_answer, split_by_revision
from backends.registry import AdapterContext, MetricsAdapter
from backends.text_safety import safe

log = logging.getLogger(__name__)

MAX_POINTS = 11_000
"""Prometheus rejects a range query whose (end - start) / step exceeds this."""
MAX_ANSWER = 64 << 20
"""Bytes of one answer read: 11,000 points of a few dozen series, with room to spare."""

BACKOFF_BASE = 0.5
BACKOFF_CAP = 10.0
_RETRY_STATUSES = frozenset({429})

Sleep = Callable[[float], Awaitable[None]]


def _timestamp(moment: datetime) -> float:
    """Unix seconds; a naive datetime is taken as UTC, as the clocks here all are."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


class PrometheusBackend:
    """A MetricsBackend that renders each metric's template to PromQL and runs range queries.

    Failures that may pass (5xx, 429, timeouts, refused connections) are retried here with
    backoff before `Unreachable` is raised; a certificate the client does not trust is not, as
    waiting will not change it.
    """

    def __init__(
        self,
        options: PrometheusOptions,
        *,
        sleep: Sleep = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
        max_answer: int = MAX_ANSWER,
    ) -> None:
        """`sleep` and `jitter` (a float in [0, 1)) are injected so tests see exact backoffs,
        `max_answer` so they see an endless answer cut without sending megabytes."""
        self.options = options
        self._client, self._auth_description, self._mask = open_client(options)
        self._max_answer = max_answer
        self._endpoint = f"{options.url}/api/v1/query_range"
        self._sleep = sleep
        self._jitter = jitter

    def __repr__(self) -> str:
        return (
            f"PrometheusBackend(url={self.options.url!r}, auth={self._auth_description!r}, "
            f"headers={sorted(self.options.headers)!r})"
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def query_range(
        self, query: MetricQuery, start: datetime, end: datetime, step: timedelta
    ) -> QueryResult:
        if step <= timedelta(0):
            raise ValueError(f"step must be positive, not {step}")
        warnings: list[str] = []
        form = self._range_form(start, end, step, warnings)
        with secrets_hidden(self._mask):
            if not query.split:
                result = await self._query_all(query, form, warnings)
            else:
                result = await self._query_split(query, form, warnings)
        said = [safe(warning, self._mask) for warning in result.warnings]
        return result.model_copy(update={"warnings": said})

    def _range_form(
        self, start: datetime, end: datetime, step: timedelta, warnings: list[str]
    ) -> dict[str, str]:
        """Start, end and step, the step raised so that the store does not refuse the range."""
        first, last = _timestamp(start), _timestamp(end)
        step_ms = max(1, round(step.total_seconds() * 1000))
        span_ms = round((last - first) * 1000)
        needed_ms = -(-span_ms // MAX_POINTS)
        if needed_ms > step_ms:
            warnings.append(
                f"step raised from {step_ms / 1000:g}s to {needed_ms / 1000:g}s: the store answers "
                f"at most {MAX_POINTS:,} points per series"
            )
            step_ms = needed_ms
        return {"start": f"{first:.3f}", "end": f"{last:.3f}", "step": f"{step_ms / 1000:.3f}"}

    async def _query_all(
        self, query: MetricQuery, form: dict[str, str], warnings: list[str]
    ) -> QueryResult:
        if promql.uses(query.template, "revision"):
            raise BadResponse(
                f"metric {query.name!r} is not split by revision (split = false), so its template "
                "cannot use {revision}"
            )
        ctx = query.context
        rendered = promql.render(query.template, _values(ctx, ctx.workload, Role.ALL, None))
        answer = await self._run(query.name, rendered, form)
        warnings.extend(answer.warnings)
        if not answer.series:
            warnings.append(f"no series for {query.name} (query: {rendered})")
            return QueryResult(warnings=warnings, missing=[Role.ALL])
        points = collapse(answer.series, query.name, None, warnings)
        return QueryResult(
            series={Role.ALL: MetricSeries(role=Role.ALL, points=points)}, warnings=warnings
        )

    async def _query_split(
        self, query: MetricQuery, form: dict[str, str], warnings: list[str]
    ) -> QueryResult:
        """One grouped query split by `revision_label` where the template allows, else one each.

        Only roles with a known revision are queried: before a canary exists there is nothing to
        compare, and that is not a missing series.
        """
        ctx = query.context
        sides = (
            (Role.STABLE, ctx.stable_revision, ctx.stable_workload),
            (Role.CANARY, ctx.canary_revision, ctx.canary_workload),
        )
        values = {
            role: _values(ctx, workload or ctx.workload, role, revision)
            for role, revision, workload in sides
            if revision is not None
        }
        if not values:
            return QueryResult(warnings=warnings)
        used = {slot.name for slot in promql.slots(query.template)}
        if not used & {"revision", "workload", "role"}:
            warnings.append(
                f"the template of {query.name} uses none of {{revision}}, {{workload}}, {{role}}: "
                "stable and canary run the same query"
            )
        label = query.revision_label or self.options.revision_label
        first = next(iter(values.values()), {})
        if (
            label is not None
            and promql.only_in_regex(query.template, "revision")
            and all(one[n] == first[n] for one in values.values() for n in used - {"revision"})
        ):
            rendered = promql.render(
                query.template,
                first,
                {"revision": list(dict.fromkeys(v["revision"] for v in values.values()))},
            )
            queries = dict.fromkeys(values, rendered)
            answer = await self._run(query.name, rendered, form)
            warnings.extend(answer.warnings)
            found = split_by_revision(
                answer.series,
                label,
                {r: v["revision"] for r, v in values.items()},
                query.name,
                warnings,
            )
        else:
            queries = {role: promql.render(query.template, one) for role, one in values.items()}
            answers = await asyncio.gather(
                *(self._run(query.name, rendered, form) for rendered in queries.values()),
                return_exceptions=True,
            )
            found = {}
            for role, outcome in zip(queries, answers, strict=True):
                if isinstance(outcome, BaseException):
                    raise outcome
                warnings.extend(outcome.warnings)
                found[role] = outcome.series

        series: dict[Role, MetricSeries] = {}
        missing: list[Role] = []
        for role, one in values.items():
            revision = one["revision"]
            if not found[role]:
                missing.append(role)
                warnings.append(
                    f"no series for {role} revision {revision} — check the label "
                    f"(query: {queries[role]})"
                )
                continue
            points = collapse(found[role], f"{role} revision {revision}", label, warnings)
            series[role] = MetricSeries(role=role, revision=revision, points=points)
        return QueryResult(series=series, warnings=list(dict.fromkeys(warnings)), missing=missing)

    async def _run(self, name: str, rendered: str, form: dict[str, str]) -> Answer:
        response = await self._post({"query": rendered, **form})
        return parse_answer(
            response,
            name,
            rendered,
            url=self.options.url,
            endpoint=self._endpoint,
            auth_description=self._auth_description,
            mask=self._mask,
        )

    def _backoff(self, retry: int) -> float:
        """Exponential with equal jitter: never below half the step, so retries stay spaced."""
        ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (retry - 1))
        return ceiling / 2 + self._jitter() * ceiling / 2

    async def _post(self, form: dict[str, str]) -> httpx.Response:
        """POST (form-encoded, so long queries fit) with retries for what may pass."""
        attempts = self.options.max_retries + 1
        problem = ""
        for attempt in range(attempts):
            if attempt:
                delay = self._backoff(attempt)
                log.info("retrying %s in %.2fs after %s", self._endpoint, delay, problem)
                await self._sleep(delay)
            request = self._client.build_request("POST", self._endpoint, data=form)
            try:
                response = await send_limited(
                    self._client, request, self._max_answer, "the answer to the query"
                )
            except httpx.TimeoutException:
                problem = f"no answer within {self.options.timeout:g}s"
                continue
            except NO_ANSWER as exc:
                if tls_failure(exc):
                    raise unreachable(
                        exc, url=self.options.url, what="the query", timeout=self.options.timeout
                    ) from exc
                problem = f"{type(exc).__name__}: {exc}"
                continue
            if response.status_code >= 500 or response.status_code in _RETRY_STATUSES:
                problem = f"HTTP {response.status_code}: {error_text(response, self._mask)}"
                continue
            return response
        raise Unreachable(
            f"{self.options.url} did not answer after {attempts} attempt(s)", detail=problem
        )


def _values(ctx: QueryContext, workload: str, role: Role, revision: str | None) -> dict[str, str]:
    values = {
        "service": ctx.service,
        "namespace": ctx.namespace,
        "workload": workload,
        "role": role,
    }
    if revision is not None:
        values["revision"] = revision
    return values


def _build(options: PrometheusOptions, context: AdapterContext) -> PrometheusBackend:
    return PrometheusBackend(options)


ADAPTER = MetricsAdapter(options=PrometheusOptions, build=_build)
"""The `prometheus` entry point."""
