"""The session's links to the outside (the deploy API, the metrics store): what is wrong now,
and each outage told once.

A link that flaps (a watch stream dropping every second, a store failing every other round)
is one outage, not one per drop: it opens with one line naming the failure and closes with one
"recovered after 1m20s" line once the link has held for `HEALTHY_AFTER`. Every failed attempt
is still published, so a banner can show when the next one comes.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from typing import NoReturn, TypeVar

from backends.clock import Clock
from backends.errors import BackendError, Unauthorized
from backends.model import EventLevel, RolloutEvent
from tui.format import duration
from tui.session.updates import LinkChanged, Update

HEALTHY_AFTER = 30.0
"""Seconds a link must hold before its outage is over (and its backoff starts again)."""
BACKOFF_START = 1.0
BACKOFF_MAX = 60.0


class Backoff:
    """Exponential backoff with jitter: each delay between half and all of 1 s, 2 s, 4 s, ...
    up to a minute, so that many sessions that lost one server do not retry in step."""

    def __init__(self, seed: str) -> None:
        self._jitter = random.Random(seed)

    def delay(self, failures: int) -> float:
        base = min(BACKOFF_MAX, BACKOFF_START * 2 ** (failures - 1))
        return base * (0.5 + self._jitter.random() / 2)


T = TypeVar("T")


async def follow(
    stream: Callable[[], AsyncIterator[T]],
    accept: Callable[[T], None],
    failed: Callable[[BackendError, float, bool], None],
    clock: Clock,
    backoff: Backoff,
) -> NoReturn:
    """Follow a stream for as long as it is wanted, reconnecting with backoff.

    The backoff starts again only after a stream held for `HEALTHY_AFTER`: a stream that drops
    right after each snapshot is otherwise reopened every second for as long as it
    misbehaves. Refused credentials (`permanent`, the third argument of `failed`) are retried
    at the slowest pace only.
    """
    failures = 0
    while True:
        held_since: float | None = None
        try:
            async for item in stream():
                if held_since is None:
                    held_since = clock.now().timestamp()
                accept(item)
            raise BackendError("the stream ended")
        except BackendError as error:
            now = clock.now().timestamp()
            if held_since is not None and now - held_since >= HEALTHY_AFTER:
                failures = 0
            failures += 1
            permanent = isinstance(error, Unauthorized)
            delay = BACKOFF_MAX if permanent else backoff.delay(failures)
            failed(error, delay, permanent)
            await clock.sleep(delay)


class Links:
    """Each link's current problem, in `errors` (None when it works), and its open outage."""

    def __init__(
        self,
        clock: Clock,
        publish: Callable[[Update], None],
        log: Callable[[Sequence[RolloutEvent]], None],
    ) -> None:
        self.errors: dict[str, str | None] = {"deploy": None, "metrics": None}
        self._clock = clock
        self._publish = publish
        self._log = log
        self._down_since: dict[str, float] = {}
        self._up_since: dict[str, float] = {}

    def failed(
        self, source: str, error: str, retry_in: float | None, *, permanent: bool = False
    ) -> None:
        """An attempt failed, or the problem's description moved on: publish it.

        Only the first failure of an outage is logged; `permanent` says that retrying soon will
        not help (credentials refused), so a headless caller may give up.
        """
        now = self._clock.now().timestamp()
        self._up_since.pop(source, None)
        self.errors[source] = error
        self._publish(LinkChanged(source, error, retry_in, permanent))
        if source not in self._down_since:
            self._down_since[source] = now
            self._log([_event(now, f"{source}: {error}", EventLevel.WARNING)])

    def ok(self, source: str) -> None:
        """The link works (an answer, a snapshot): clear the banner at once."""
        now = self._clock.now().timestamp()
        if self.errors.get(source) is not None:
            self.errors[source] = None
            self._publish(LinkChanged(source, None))
        if source in self._down_since:
            self._up_since.setdefault(source, now)
        self.settle(now)

    def settle(self, now: float) -> None:
        """Close the outages of links that have held long enough, with their one last line."""
        for source, up in list(self._up_since.items()):
            if now - up >= HEALTHY_AFTER:
                del self._up_since[source]
                down = self._down_since.pop(source)
                message = f"{source}: recovered after {duration(up - down)}"
                self._log([_event(up, message, EventLevel.INFO)])


def _event(t: float, message: str, level: EventLevel) -> RolloutEvent:
    return RolloutEvent(time=datetime.fromtimestamp(t, UTC), message=message, level=level)
