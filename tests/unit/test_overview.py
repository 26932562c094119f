"""The overview's list: what needs a person first, each change told once, the link's state."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from backends.clock import VirtualClock
from backends.errors import Unreachable, Unsupported
from backends.model import Change, GateStatus, Pause, Phase, RolloutSummary
from backends.simulator.adapter import Simulator
from tui.session.overview import RELIST, ListLink, Overview, Row, RowsChanged, Urgency

T0 = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)


def summary(
    name: str,
    phase: Phase = Phase.PROGRESSING,
    *,
    started: int = 0,
    waits: int | None = None,
    analysis: GateStatus | None = None,
    canary: str = "c1",
    author: str = "ana.silva",
) -> RolloutSummary:
    pause = None
    if waits is not None:
        pause = Pause(reason="step", since=T0 + timedelta(minutes=waits), awaits_decision=True)
    return RolloutSummary(
        id=f"shop/{name}",
        service=name,
        namespace="shop",
        phase=phase,
        started_at=T0 + timedelta(minutes=started),
        updated_at=T0 + timedelta(minutes=started + 1),
        pause=pause,
        awaits_decision=pause is not None,
        analysis=analysis,
        canary_revision=canary,
        change=Change(author=author, title=f"change to {name}"),
    )


class Listing:
    """A deploy backend with no list watch: the overview must relist it on a timer."""

    def __init__(self, rollouts: list[RolloutSummary]) -> None:
        self.rollouts = rollouts
        self.lists = 0
        self.fail = False

    async def list_rollouts(self) -> list[RolloutSummary]:
        self.lists += 1
        if self.fail:
            raise Unreachable("the deploy API is down")
        return list(self.rollouts)


class Watching(Listing):
    def __init__(self, rollouts: list[RolloutSummary], *, unsupported: bool = False) -> None:
        super().__init__(rollouts)
        self.queue: asyncio.Queue[list[RolloutSummary] | RolloutSummary] = asyncio.Queue()
        self.unsupported = unsupported
        """The server turns out to have no list watch, as an HTTP deployer written before it."""
        self.watches = 0

    async def watch_rollouts(self) -> AsyncIterator[list[RolloutSummary] | RolloutSummary]:
        self.watches += 1
        if self.unsupported:
            raise Unsupported("the deploy API has no list watch")
        yield list(self.rollouts)
        while True:
            yield await self.queue.get()


def ids(rows: list[Row]) -> list[str]:
    return [row.summary.service for row in rows]


def filled(*rollouts: RolloutSummary) -> Overview:
    overview = Overview(Listing([]), VirtualClock(T0))  # type: ignore[arg-type]
    overview._apply(list(rollouts))
    return overview


def test_those_that_need_a_person_come_first_then_in_progress_then_done():
    overview = filled(
        summary("done-old", Phase.HEALTHY, started=-60),
        summary("rolling-old", started=-30),
        summary("waiting-long", Phase.PAUSED, waits=-20),
        summary("done-new", Phase.ABORTED, started=-10),
        summary("rolling-new", started=-5),
        summary("waiting-short", Phase.PAUSED, waits=-2),
        summary("inconclusive", analysis=GateStatus.MARGINAL),
        summary("degraded", Phase.DEGRADED),
        summary("failing", analysis=GateStatus.FAIL),
    )
    assert ids(overview.ordered()) == [
        "failing",
        "degraded",
        "inconclusive",
        "waiting-long",
        "waiting-short",
        "rolling-new",
        "rolling-old",
        "done-new",
        "done-old",
    ]
    assert overview.counts() == {Urgency.NEEDS_YOU: 5, Urgency.IN_PROGRESS: 2, Urgency.DONE: 2}


def test_a_finished_rollout_is_done_whatever_its_last_verdict():
    row = Row(summary("x", Phase.ABORTED), GateStatus.FAIL, judged=True)
    assert row.urgency == Urgency.DONE and row.need is None


def test_the_filter_keeps_rows_matching_every_word():
    overview = filled(
        summary("checkout", author="maria.chen"),
        summary("payments", Phase.PAUSED, waits=0, author="tom.wu"),
        summary("search", author="maria.chen"),
    )
    assert ids(overview.ordered("maria")) == ["checkout", "search"]
    assert ids(overview.ordered("MARIA search")) == ["search"]
    assert ids(overview.ordered("waiting")) == ["payments"]
    assert overview.ordered("nobody") == []


def test_a_sessions_verdict_outranks_the_controllers_until_a_new_canary():
    overview = filled(summary("api", analysis=GateStatus.PASS))
    seen: list[object] = []
    overview.subscribe(seen.append)
    overview.judged("shop/api", GateStatus.FAIL)
    assert overview.rows["shop/api"].verdict == GateStatus.FAIL
    assert overview.rows["shop/api"].urgency == Urgency.NEEDS_YOU
    overview.judged("shop/api", GateStatus.FAIL)
    assert seen == [RowsChanged(frozenset({"shop/api"}))], "the same verdict is not told twice"
    overview._apply(summary("api", started=1, analysis=GateStatus.PASS))
    assert overview.rows["shop/api"].verdict == GateStatus.FAIL
    overview._apply(summary("api", canary="c2", analysis=GateStatus.PASS))
    assert overview.rows["shop/api"].verdict == GateStatus.PASS
    assert not overview.rows["shop/api"].judged


def test_a_list_tells_only_the_rows_that_changed_and_those_gone():
    overview = filled(summary("a"), summary("b"), summary("c"))
    seen: list[object] = []
    overview.subscribe(seen.append)
    overview._apply([summary("a"), summary("b", Phase.PAUSED, waits=0), summary("d")])
    assert seen == [RowsChanged(frozenset({"shop/b", "shop/d"}), frozenset({"shop/c"}))]
    overview._apply([summary("a"), summary("b", Phase.PAUSED, waits=0), summary("d")])
    assert len(seen) == 1, "an unchanged list is not told"


async def test_a_backend_without_a_list_watch_is_relisted_on_the_clock():
    clock = VirtualClock(T0)
    deploy = Listing([summary("a")])
    overview = Overview(deploy, clock)  # type: ignore[arg-type]
    task = asyncio.create_task(overview.run())
    await clock.advance(0)
    assert deploy.lists == 1 and list(overview.rows) == ["shop/a"]
    deploy.rollouts.append(summary("b"))
    await clock.advance(RELIST)
    assert deploy.lists == 2 and sorted(overview.rows) == ["shop/a", "shop/b"]
    task.cancel()


async def test_a_failing_list_is_told_retried_with_backoff_and_recovers():
    clock = VirtualClock(T0)
    deploy = Listing([summary("a")])
    deploy.fail = True
    overview = Overview(deploy, clock)  # type: ignore[arg-type]
    links: list[ListLink] = []
    overview.subscribe(lambda u: links.append(u) if isinstance(u, ListLink) else None)
    task = asyncio.create_task(overview.run())
    await clock.advance(0)
    assert overview.error == "the deploy API is down" and links[0].retry_in is not None
    deploy.fail = False
    await clock.advance(links[0].retry_in)
    assert overview.error is None and links[-1] == ListLink(None)
    assert list(overview.rows) == ["shop/a"]
    task.cancel()


async def test_a_watching_backend_is_followed_without_relisting():
    clock = VirtualClock(T0)
    deploy = Watching([summary("a"), summary("b")])
    overview = Overview(deploy, clock)  # type: ignore[arg-type]
    seen: list[object] = []
    overview.subscribe(seen.append)
    task = asyncio.create_task(overview.run())
    await clock.advance(0)
    deploy.queue.put_nowait(summary("b", Phase.PAUSED, waits=0))
    await clock.advance(0)
    assert seen[-1] == RowsChanged(frozenset({"shop/b"}))
    assert ids(overview.ordered()) == ["b", "a"]
    assert deploy.lists == 0
    task.cancel()


async def test_a_server_without_the_list_watch_is_relisted_at_once_and_not_shown_failing():
    clock = VirtualClock(T0)
    deploy = Watching([summary("a")], unsupported=True)
    overview = Overview(deploy, clock)  # type: ignore[arg-type]
    seen: list[object] = []
    overview.subscribe(seen.append)
    task = asyncio.create_task(overview.run())
    await clock.advance(0)
    assert (deploy.watches, deploy.lists) == (1, 1), "the first list comes without a wait"
    assert list(overview.rows) == ["shop/a"] and overview.listed
    deploy.rollouts.append(summary("b"))
    await clock.advance(RELIST)
    assert deploy.lists == 2 and sorted(overview.rows) == ["shop/a", "shop/b"]
    assert overview.error is None
    assert not [update for update in seen if isinstance(update, ListLink)]
    task.cancel()


async def test_after_the_list_watch_was_unsupported_a_reconnect_relists():
    clock = VirtualClock(T0)
    deploy = Watching([summary("a")], unsupported=True)
    overview = Overview(deploy, clock)  # type: ignore[arg-type]
    links: list[ListLink] = []
    overview.subscribe(lambda u: links.append(u) if isinstance(u, ListLink) else None)
    task = asyncio.create_task(overview.run())
    await clock.advance(0)
    deploy.fail = True
    await clock.advance(RELIST)
    assert links[-1].error == "the deploy API is down" and links[-1].retry_in is not None
    deploy.fail = False
    await clock.advance(links[-1].retry_in)
    assert overview.error is None and links[-1] == ListLink(None)
    assert deploy.watches == 1, "the watch is not asked for again in this run"
    assert deploy.lists == 3
    task.cancel()


async def test_the_simulators_world_follows_its_clock(clock: VirtualClock, sim: Simulator):
    overview = Overview(sim, clock)
    task = asyncio.create_task(overview.run())
    await clock.advance(0)
    first = ids(overview.ordered())
    assert len(first) == 5 and overview.listed
    assert overview.rows["shop/checkout-api"].urgency == Urgency.NEEDS_YOU
    assert overview.rows["shop/payments"].urgency == Urgency.IN_PROGRESS
    await clock.advance(600)
    assert overview.rows["shop/checkout-api"].urgency == Urgency.NEEDS_YOU
    assert overview.rows["shop/payments"].summary.phase == Phase.HEALTHY
    assert overview.rows["shop/payments"].urgency == Urgency.DONE
    task.cancel()


def test_a_verdict_outlives_the_rollout_it_judged_but_not_the_next_canary():
    overview = filled(summary("api", canary="c1"))
    overview.judged("shop/api", GateStatus.FAIL)
    aborted = summary("api", Phase.ABORTED).model_copy(update={"canary_revision": None})
    overview._apply(aborted)
    assert overview.rows["shop/api"].verdict == GateStatus.FAIL, "an aborted canary's verdict"
    assert overview.rows["shop/api"].judged
    overview._apply(summary("api", canary="c2"))
    assert not overview.rows["shop/api"].judged and overview.rows["shop/api"].verdict is None

    overview = filled(summary("api", canary="c1").model_copy(update={"stable_revision": "s0"}))
    overview.judged("shop/api", GateStatus.PASS)
    promoted = summary("api", Phase.HEALTHY).model_copy(
        update={"canary_revision": None, "stable_revision": "c1"}
    )
    overview._apply(promoted)
    assert overview.rows["shop/api"].verdict == GateStatus.PASS and overview.rows["shop/api"].judged
