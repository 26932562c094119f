"""`--record FILE`: what a session saw, written as JSON lines a replay can play back.

The recorder stands between the session and its backends, so it writes exactly the answers the
session got (rollout snapshots, metric answers, failures) at the clock's time, and follows the
session for what it made of them (gate results, events, actions and overrides). It writes what
came back, never what was sent: no URL, header, token or query text; error messages, already
masked by the adapters, lose any user:password left in an address on top.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from backends.base import Capability, DeployBackend, MetricsBackend
from backends.clock import Clock
from backends.errors import BackendError
from backends.model import Expectation, MetricQuery, QueryResult, Rollout, RolloutSummary
from backends.replay.format import (
    ActionLine,
    EventLine,
    FailureLine,
    GatesLine,
    Header,
    Line,
    MetricsLine,
    RolloutLine,
    dump,
)
from tui.config.load import Config
from tui.session.live import Session
from tui.session.updates import EventsAdded, GatesChanged, Update
from tui.session.wiring import Wiring

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]*@")


def scrubbed(text: str) -> str:
    """The text without a `user:password@` in any address it names."""
    return _USERINFO.sub(r"\1", text)


def settings_of(config: Config) -> dict[str, Any]:
    """What a replay needs to judge as the session did: metrics, gates, judge and window.

    The `[deploy]` and `[metrics]` tables stay out: they hold addresses and credentials.
    """
    return {
        "metric": [m.model_dump(mode="json") for m in config.metric],
        "gate": [g.model_dump(mode="json") for g in config.gate],
        "judge": config.judge.model_dump(mode="json"),
        "window": config.ui.window.total_seconds(),
    }


class Recorder:
    """One recording file; every line is flushed, so a crash keeps what came before it."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path = path
        self.clock = clock
        try:
            self._out: IO[str] = path.open("w", encoding="utf-8")
        except OSError as error:
            raise OSError(f"cannot record to {path}: {error.strerror or error}") from None

    def start(self, config: Config, rollout: str | None) -> None:
        self.write(Header(t=self._t(), rollout=rollout, settings=settings_of(config)))

    def wrap(self, wiring: Wiring) -> Wiring:
        """The same wiring, its backends recorded."""
        deploy = RecordingDeploy(wiring.deploy, self)
        metrics = RecordingMetrics(wiring.metrics, self)
        return replace(wiring, deploy=deploy, metrics=metrics)

    def follow(self, session: Session) -> None:
        """Write the session's verdicts and events as it publishes them."""
        rollout_id = session.rollout_id

        def take(update: Update) -> None:
            if isinstance(update, GatesChanged):
                judgement = update.judgement
                self.write(
                    GatesLine(
                        t=self._t(),
                        rollout=rollout_id,
                        status=judgement.status.value,
                        explanation=judgement.explanation,
                        gates=judgement.gates,
                    )
                )
            elif isinstance(update, EventsAdded):
                for event in update.events:
                    self.write(EventLine(t=self._t(), rollout=rollout_id, event=event))

        session.subscribe(take)

    def write(self, line: Line) -> None:
        if not self._out.closed:
            self._out.write(dump(line) + "\n")
            self._out.flush()

    def close(self) -> None:
        self._out.close()

    def _t(self) -> float:
        return self.clock.now().timestamp()

    # what the proxies tell

    def rollout(self, rollout: Rollout) -> None:
        self.write(RolloutLine(t=self._t(), rollout=rollout))

    def failure(self, source: str, error: BackendError, **where: str | None) -> None:
        line = FailureLine.model_validate(
            {
                "t": self._t(),
                "source": source,
                "error": type(error).__name__,
                "message": scrubbed(str(error)),
                **{k: v for k, v in where.items() if v is not None},
            }
        )
        self.write(line)

    def answer(self, query: MetricQuery, result: QueryResult) -> None:
        warnings = [scrubbed(w) for w in result.warnings]
        self.write(
            MetricsLine(
                t=self._t(),
                service=query.context.service,
                namespace=query.context.namespace,
                metric=query.name,
                result=result.model_copy(update={"warnings": warnings}),
            )
        )

    def action(
        self, rollout_id: str, action: str, expect: Expectation | None, outcome: str
    ) -> None:
        line = ActionLine(
            t=self._t(), rollout=rollout_id, action=action, expect=expect, outcome=outcome
        )
        self.write(line)


class RecordingDeploy:
    """A deploy backend whose answers are recorded on their way to the session."""

    def __init__(self, inner: DeployBackend, recorder: Recorder) -> None:
        self.inner = inner
        self.capabilities: frozenset[Capability] = inner.capabilities
        self._recorder = recorder

    async def list_rollouts(self) -> list[RolloutSummary]:
        return await self.inner.list_rollouts()

    async def get_rollout(self, rollout_id: str) -> Rollout:
        try:
            rollout = await self.inner.get_rollout(rollout_id)
        except BackendError as error:
            self._recorder.failure("deploy", error, rollout=rollout_id)
            raise
        self._recorder.rollout(rollout)
        return rollout

    async def watch_rollout(self, rollout_id: str) -> AsyncIterator[Rollout]:
        try:
            async for rollout in self.inner.watch_rollout(rollout_id):
                self._recorder.rollout(rollout)
                yield rollout
        except BackendError as error:
            self._recorder.failure("deploy", error, rollout=rollout_id)
            raise

    async def _acted(
        self, rollout_id: str, action: str, expect: Expectation | None, run: Awaitable[Rollout]
    ) -> Rollout:
        try:
            rollout = await run
        except BackendError as error:
            self._recorder.action(rollout_id, action, expect, f"refused: {scrubbed(str(error))}")
            raise
        self._recorder.action(rollout_id, action, expect, "done")
        self._recorder.rollout(rollout)
        return rollout

    async def promote(self, rollout_id: str, *, expect: Expectation, full: bool = False) -> Rollout:
        action = "promote_full" if full else "promote"
        run = self.inner.promote(rollout_id, expect=expect, full=full)
        return await self._acted(rollout_id, action, expect, run)

    async def abort(self, rollout_id: str, *, expect: Expectation) -> Rollout:
        run = self.inner.abort(rollout_id, expect=expect)
        return await self._acted(rollout_id, "abort", expect, run)

    async def retry(self, rollout_id: str) -> Rollout:
        return await self._acted(rollout_id, "retry", None, self.inner.retry(rollout_id))

    async def pause(self, rollout_id: str, *, expect: Expectation) -> Rollout:
        run = self.inner.pause(rollout_id, expect=expect)
        return await self._acted(rollout_id, "pause", expect, run)

    async def resume(self, rollout_id: str, *, expect: Expectation) -> Rollout:
        run = self.inner.resume(rollout_id, expect=expect)
        return await self._acted(rollout_id, "resume", expect, run)

    async def aclose(self) -> None:
        await self.inner.aclose()


class RecordingMetrics:
    """A metrics store whose answers and failures are recorded on their way to the session."""

    def __init__(self, inner: MetricsBackend, recorder: Recorder) -> None:
        self.inner = inner
        self._recorder = recorder

    async def query_range(
        self, query: MetricQuery, start: datetime, end: datetime, step: timedelta
    ) -> QueryResult:
        try:
            result = await self.inner.query_range(query, start, end, step)
        except BackendError as error:
            context = query.context
            self._recorder.failure(
                "metrics",
                error,
                service=context.service,
                namespace=context.namespace,
                metric=query.name,
            )
            raise
        self._recorder.answer(query, result)
        return result

    async def aclose(self) -> None:
        await self.inner.aclose()
