"""What a session publishes to its subscribers: the UI, `status`, `wait`.

Plain dataclasses with no Textual import, so the headless commands share them; the app wraps
each in a message.
"""

from __future__ import annotations

from dataclasses import dataclass

from backends.model import Rollout, RolloutEvent
from tui.judge.verdict import Judgement


@dataclass(frozen=True)
class RolloutChanged:
    rollout: Rollout


@dataclass(frozen=True)
class MetricsChanged:
    names: frozenset[str]


@dataclass(frozen=True)
class GatesChanged:
    """The judge's view changed: a gate's status or explanation, or the verdict."""

    judgement: Judgement


@dataclass(frozen=True)
class EventsAdded:
    events: tuple[RolloutEvent, ...]


@dataclass(frozen=True)
class LinkChanged:
    """A connection to an outside system failed or recovered.

    `error` is None once it works again; `retry_in` is the backoff before the next attempt.
    `permanent` marks a failure that retrying soon will not mend (credentials refused): the
    session then retries only at its slowest pace, and `wait` gives up with the error.
    """

    source: str
    error: str | None
    retry_in: float | None = None
    permanent: bool = False


Update = RolloutChanged | MetricsChanged | GatesChanged | EventsAdded | LinkChanged
