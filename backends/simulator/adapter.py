"""The built-in simulator: a deploy backend and a metrics store in one object.

`rollwatch demo` needs nothing installed or running; tests and screenshots need the same numbers
every time. Both come from here: a seeded world of several rollouts in different phases, driven
by a clock that is virtual in tests and sped up in demos. It is a real adapter, registered
through entry points like every other, so it passes the same conformance suite.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import math
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backends.base import Capability, RolloutsChange
from backends.clock import Clock, SystemClock
from backends.errors import BadResponse, NotFound
from backends.model import (
    Expectation,
    MetricQuery,
    MetricSeries,
    Point,
    QueryResult,
    Role,
    Rollout,
    RolloutSummary,
)
from backends.registry import AdapterContext, DeployAdapter, MetricsAdapter
from backends.simulator.controller import SimRollout
from backends.simulator.traffic import (
    METRIC_KEYS,
    SAMPLE_SECONDS,
    Behaviour,
    Sample,
    db_latency,
    sample,
)
from backends.simulator.world import SCENARIOS, build_world

MAX_SPEED = 10_000.0
"""Beyond this a sped-up demo outruns the screen's refresh: every step would pass unseen."""

WATCH_HEARTBEAT = 30.0
"""Seconds between snapshots when nothing changes, so a watcher can tell alive from stuck."""


class SimulatorOptions(BaseModel):
    """The simulator's table in rollwatch.toml (the same for `[deploy]` and `[metrics]`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scenario: str = Field("healthy", description=f"One of: {', '.join(SCENARIOS)}.")
    seed: int = 7
    speed: float = Field(
        1.0,
        gt=0,
        le=MAX_SPEED,
        allow_inf_nan=False,
        description="How many times faster than the wall clock the simulated world runs.",
    )
    auto_confirm: float | None = Field(
        None,
        gt=0,
        allow_inf_nan=False,
        description="Seconds after which a pause that waits for a human resumes by itself.",
    )
    actor: str | None = Field(None, description="Name recorded on actions; default: $USER.")

    @field_validator("scenario")
    @classmethod
    def _known_scenario(cls, scenario: str) -> str:
        if scenario not in SCENARIOS:
            raise ValueError(
                f"unknown scenario {scenario!r}; choose one of: {', '.join(SCENARIOS)}"
            )
        return scenario


class Simulator:
    """A deterministic controller and metrics store for a handful of services."""

    capabilities = frozenset(Capability)
    """Everything: it is the reference every screen and command is tried against."""

    def __init__(self, clock: Clock, options: SimulatorOptions | None = None) -> None:
        self.options = options or SimulatorOptions()
        self.clock = clock
        self.seed = self.options.seed
        auto = timedelta(seconds=self.options.auto_confirm) if self.options.auto_confirm else None
        self._rollouts = {
            r.id: r for r in build_world(self.options.scenario, clock.now(), auto_confirm=auto)
        }
        self._changed = asyncio.Event()
        self._actor = self.options.actor or _user()
        self.queries = 0
        """Range queries answered; tests read it to prove the session fetches incrementally."""

    @property
    def primary_id(self) -> str:
        """The rollout the chosen scenario is about: what `demo` opens."""
        return next(iter(self._rollouts))

    def _rollout(self, rollout_id: str) -> SimRollout:
        try:
            rollout = self._rollouts[rollout_id]
        except KeyError:
            known = ", ".join(self._rollouts)
            raise NotFound(f"no rollout {rollout_id!r}", detail=f"known: {known}") from None
        rollout.advance_to(self.clock.now())
        return rollout

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # DeployBackend

    async def list_rollouts(self) -> list[RolloutSummary]:
        return [self._rollout(rid).snapshot().summary() for rid in self._rollouts]

    async def get_rollout(self, rollout_id: str) -> Rollout:
        return self._rollout(rollout_id).snapshot()

    async def watch_rollout(self, rollout_id: str) -> AsyncIterator[Rollout]:
        last: str | None = None
        while True:
            rollout = self._rollout(rollout_id)
            if str(rollout.version) != last:
                last = str(rollout.version)
                yield rollout.snapshot()
                continue
            due = rollout.next_transition()
            wait = WATCH_HEARTBEAT
            if due is not None:
                wait = min(wait, max(0.0, (due - self.clock.now()).total_seconds()))
            await self._wait(wait)

    async def watch_rollouts(self) -> AsyncIterator[RolloutsChange]:
        """The list, then each rollout when its state moves: on the clock, or on an action."""
        versions: dict[str, int] = {}
        while True:
            rollouts = [self._rollout(rid) for rid in self._rollouts]
            if not versions:
                versions = {r.id: r.version for r in rollouts}
                yield [r.snapshot().summary() for r in rollouts]
            for rollout in rollouts:
                if versions[rollout.id] != rollout.version:
                    versions[rollout.id] = rollout.version
                    yield rollout.snapshot().summary()
            due = [t for r in rollouts if (t := r.next_transition()) is not None]
            wait = WATCH_HEARTBEAT
            if due:
                wait = min(wait, max(0.0, (min(due) - self.clock.now()).total_seconds()))
            await self._wait(wait)

    async def _wait(self, seconds: float) -> None:
        changed = asyncio.ensure_future(self._changed.wait())
        timer = asyncio.ensure_future(self.clock.sleep(seconds))
        try:
            await asyncio.wait({changed, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (changed, timer):
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(changed, timer, return_exceptions=True)

    async def promote(self, rollout_id: str, *, expect: Expectation, full: bool = False) -> Rollout:
        rollout = self._rollout(rollout_id)
        rollout.promote(self.clock.now(), expect, full=full, actor=self._actor)
        self._notify()
        return rollout.snapshot()

    async def abort(self, rollout_id: str, *, expect: Expectation) -> Rollout:
        rollout = self._rollout(rollout_id)
        rollout.abort(self.clock.now(), expect, actor=self._actor)
        self._notify()
        return rollout.snapshot()

    async def pause(self, rollout_id: str, *, expect: Expectation) -> Rollout:
        rollout = self._rollout(rollout_id)
        rollout.pause(self.clock.now(), expect, actor=self._actor)
        self._notify()
        return rollout.snapshot()

    async def resume(self, rollout_id: str, *, expect: Expectation) -> Rollout:
        rollout = self._rollout(rollout_id)
        rollout.resume(self.clock.now(), expect, actor=self._actor)
        self._notify()
        return rollout.snapshot()

    async def retry(self, rollout_id: str) -> Rollout:
        rollout = self._rollout(rollout_id)
        rollout.retry(self.clock.now(), actor=self._actor)
        self._notify()
        return rollout.snapshot()

    async def aclose(self) -> None:
        self._notify()

    # MetricsBackend

    async def query_range(
        self, query: MetricQuery, start: datetime, end: datetime, step: timedelta
    ) -> QueryResult:
        self.queries += 1
        key = query.template.split("{", 1)[0].strip()
        if key not in METRIC_KEYS:
            raise BadResponse(
                f"the simulator has no metric {key!r}", detail=f"it has: {', '.join(METRIC_KEYS)}"
            )
        rollout = self._find(query)
        rollout.advance_to(self.clock.now())
        end = min(end, self.clock.now())
        times = _grid(start.timestamp(), end.timestamp(), max(step.total_seconds(), SAMPLE_SECONDS))
        if not query.split:
            points = [Point(t=t, v=self._dependency(rollout, t)) for t in times]
            return QueryResult(series={Role.ALL: MetricSeries(role=Role.ALL, points=points)})
        result = QueryResult()
        for role, revision in (
            (Role.STABLE, query.context.stable_revision),
            (Role.CANARY, query.context.canary_revision),
        ):
            if revision is None:
                continue
            if revision not in (rollout.stable_revision, rollout.canary_revision):
                result.missing.append(role)  # no series at all, as a store would answer
                continue
            points = [
                Point(t=t, v=v)
                for t in times
                if not math.isnan(v := self._value(rollout, revision, key, t))
            ]
            result.series[role] = MetricSeries(role=role, revision=revision, points=points)
        return result

    def _find(self, query: MetricQuery) -> SimRollout:
        ctx = query.context
        for rollout in self._rollouts.values():
            if rollout.service == ctx.service and (
                not ctx.namespace or ctx.namespace == rollout.namespace
            ):
                return rollout
        raise BadResponse(f"the simulator has no service {ctx.service!r}")

    def traffic(self, rollout_id: str, t: float) -> dict[str, Sample]:
        """Each revision's 10-second sample at unix time `t`, for revisions taking traffic then.

        Public so that `sim-serve` can expose the very samples the simulator's own queries
        answer from as the counters and histograms a real service would export.
        """
        rollout = self._rollout(rollout_id)
        found: dict[str, Sample] = {}
        for revision in (rollout.stable_revision, rollout.canary_revision):
            if (one := self._sample(rollout, revision, t)) is not None:
                found[revision] = one
        return found

    def dependency_latency(self, rollout_id: str, t: float) -> float:
        """The p99 (ms) of the database behind the rollout's service at unix time `t`."""
        return self._dependency(self._rollout(rollout_id), t)

    def _value(self, rollout: SimRollout, revision: str, key: str, t: float) -> float:
        s = self._sample(rollout, revision, t)
        return math.nan if s is None else s.value(key)

    def _sample(self, rollout: SimRollout, revision: str, t: float) -> Sample | None:
        weight = rollout.weight_at(t) / 100.0
        if revision == rollout.canary_revision:
            share, behaviour = weight, rollout.behaviour
            serving = _serving_seconds(rollout, t)
        elif revision == rollout.stable_revision:
            share, behaviour, serving = 1.0 - weight, Behaviour(), 0.0
        else:
            return None
        if share <= 0 or t < rollout.started.timestamp() - 86400 * 7:
            return None
        return sample(
            self.seed, f"{rollout.id}|{revision}", t, share, rollout.base_rps, behaviour, serving
        )

    def _dependency(self, rollout: SimRollout, t: float) -> float:
        share = rollout.weight_at(t) / 100.0
        return db_latency(self.seed, f"{rollout.id}|db", t, share, rollout.behaviour)


def _grid(start: float, end: float, step: float) -> list[float]:
    """Sample times: multiples of `step` in [start, end], the way Prometheus aligns steps."""
    first = math.ceil(start / step) * step
    count = int((end - first) // step) + 1 if end >= first else 0
    return [first + i * step for i in range(count)]


def _serving_seconds(rollout: SimRollout, t: float) -> float:
    """How long the canary has taken traffic by time `t` (the slow burn and the spike need it)."""
    first = next((ts for ts, w in rollout.weights if w > 0), None)
    return 0.0 if first is None else max(0.0, t - first)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "someone"


def _shared(options: SimulatorOptions, context: AdapterContext) -> Simulator:
    """One simulator per context, so the deploy and metrics adapters see the same world.

    With `speed` the simulator runs on its own sped-up clock and hands it to the context, so
    the session that reads the context's clock afterwards keeps the simulator's time.
    """
    existing = context.shared.get("simulator")
    if isinstance(existing, Simulator):
        return existing
    if options.speed != 1.0:
        context.clock = SystemClock(speed=options.speed)
    simulator = Simulator(context.clock, options)
    context.shared["simulator"] = simulator
    return simulator


DEPLOY = DeployAdapter(options=SimulatorOptions, build=_shared)
"""The `simulator` deploy entry point."""

METRICS = MetricsAdapter(options=SimulatorOptions, build=_shared)
"""The `simulator` metrics entry point: the same world as the deploy side."""
