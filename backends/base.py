"""The two contracts every adapter fulfils, and the errors they may raise.

The TUI and the headless commands speak only to these protocols, so an in-house deployer or
metrics store plugs in as a separate package registered under the `rollwatch.deploy` or
`rollwatch.metrics` entry-point group.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol, runtime_checkable

from backends.model import Expectation, MetricQuery, QueryResult, Rollout, RolloutSummary


class Capability(StrEnum):
    """What a deploy backend can do besides reading; the UI offers only these."""

    PROMOTE = "promote"
    PROMOTE_FULL = "promote_full"
    ABORT = "abort"
    RETRY = "retry"
    PAUSE = "pause"
    RESUME = "resume"


@runtime_checkable
class DeployBackend(Protocol):
    """Reads rollouts from a deploy system and asks it to move them on."""

    capabilities: frozenset[Capability]

    async def list_rollouts(self) -> list[RolloutSummary]:
        """Every rollout this backend can see, finished ones included.

        Raises:
            Unreachable, Unauthorized, BadResponse.
        """
        ...

    async def get_rollout(self, rollout_id: str) -> Rollout:
        """One snapshot of a rollout.

        Raises:
            NotFound: no rollout has this id.
            Unreachable, Unauthorized, BadResponse.
        """
        ...

    def watch_rollout(self, rollout_id: str) -> AsyncIterator[Rollout]:
        """Snapshots of one rollout: the current one first, then one per change.

        The iterator ends or raises when the stream drops; the caller reconnects.

        Raises:
            NotFound, Unreachable, Unauthorized, BadResponse.
        """
        ...

    async def promote(self, rollout_id: str, *, expect: Expectation, full: bool = False) -> Rollout:
        """Move the rollout to its next step (or, with `full`, all the way).

        Args:
            expect: what the user saw; checked against the rollout as it is now.
            full: skip every remaining step and analysis.

        Returns:
            The rollout after the request was accepted.

        Raises:
            Conflict: the rollout is no longer at `expect`; nothing was changed.
            Unsupported: the backend lacks PROMOTE (or PROMOTE_FULL).
        """
        ...

    async def abort(self, rollout_id: str, *, expect: Expectation) -> Rollout:
        """Send all traffic back to stable.

        Args:
            expect: what the user saw; checked against the rollout as it is now.

        Returns:
            The rollout after the request was accepted.

        Raises:
            Conflict: the rollout is no longer at `expect`; nothing was changed.
            Unsupported: the backend lacks ABORT.
        """
        ...

    async def retry(self, rollout_id: str) -> Rollout:
        """Start an aborted rollout again from its first step.

        Returns:
            The rollout after the request was accepted.

        Raises:
            Conflict: the rollout is not aborted; nothing was changed.
            Unsupported: the backend lacks RETRY.
        """
        ...

    async def pause(self, rollout_id: str, *, expect: Expectation) -> Rollout:
        """Hold the rollout where it is: no step, timer or analysis moves it on until resumed.

        Args:
            expect: what the user saw; checked against the rollout as it is now.

        Returns:
            The rollout after the request was accepted.

        Raises:
            Conflict: the rollout is no longer at `expect`, or is already paused or finished;
                nothing was changed.
            Unsupported: the backend lacks PAUSE.
        """
        ...

    async def resume(self, rollout_id: str, *, expect: Expectation) -> Rollout:
        """Let a rollout paused with `pause` go on from where it was held.

        Args:
            expect: what the user saw; checked against the rollout as it is now.

        Returns:
            The rollout after the request was accepted.

        Raises:
            Conflict: the rollout is no longer at `expect`, or is not paused; nothing was changed.
            Unsupported: the backend lacks RESUME.
        """
        ...

    async def aclose(self) -> None:
        """Release connections; the backend is not used afterwards."""
        ...


@runtime_checkable
class MetricsBackend(Protocol):
    """Answers range queries for one metric, split into stable and canary where it applies."""

    async def query_range(
        self, query: MetricQuery, start: datetime, end: datetime, step: timedelta
    ) -> QueryResult:
        """Samples of `query` from `start` to `end` inclusive, one per `step`.

        Returns:
            For a split query, the `stable` and `canary` series; otherwise the `all` series.
            Roles with no matching series are listed in `missing`.

        Raises:
            BadResponse: the store rejected the query (its own words in `detail`).
            Unreachable, Unauthorized.
        """
        ...

    async def aclose(self) -> None:
        """Release connections; the backend is not used afterwards."""
        ...


RolloutsChange = list[RolloutSummary] | RolloutSummary
"""What a list watch yields: the whole list (which replaces everything known), or one rollout
that was added or changed."""


@runtime_checkable
class WatchesRollouts(Protocol):
    """A deploy backend that follows every rollout at once, as the overview needs.

    Optional: a backend without it is re-listed on a timer, which costs a list per round and
    notices changes a round late. Kubernetes adapters get it from their list+watch, the http
    adapter from the API's `?watch=true`.
    """

    def watch_rollouts(self) -> AsyncIterator[RolloutsChange]:
        """The rollout list first, then each change as it happens.

        A rollout that disappears is told by a whole list without it. The iterator ends or
        raises when the stream drops; the caller reconnects.

        Raises:
            Unsupported: the system behind the backend turns out to have no list watch (a
                deployer written to an older HTTP API); the caller re-lists instead.
            Unreachable, Unauthorized, BadResponse.
        """
        ...
