"""The overview driven by Pilot on the simulator's world under a virtual clock."""

from __future__ import annotations

from textual.widgets import Input, Static

from backends.clock import VirtualClock
from backends.model import Expectation, GateStatus
from backends.simulator.adapter import Simulator, SimulatorOptions
from tests.helpers.tui_helpers import screen_lines
from tui.app import overview_app
from tui.screens.attached import AttachedWatch
from tui.screens.overview import OverviewScreen
from tui.session.demo import SEED, demo_wiring
from tui.session.overview import Overview, Urgency
from tui.session.updates import EventsAdded, GatesChanged, MetricsChanged, Update
from tui.virtual_app import demo_app, overview_demo_app, settle
from tui.widgets.rollout_table import MAX_NAME, MIN_NAME, RolloutTable, layout

BRAILLE = {chr(c) for c in range(0x2801, 0x2900)} | set("▁▂▃▄▅▆▇█")


def shown(app) -> list[str]:
    return [row.id for row in app.screen.query_one(RolloutTable).rows]


async def test_rollouts_that_need_a_person_come_first(clock: VirtualClock):
    app, _ = overview_demo_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, clock)
        assert isinstance(app.screen, OverviewScreen)
        assert shown(app) == [
            "shop/checkout-api",
            "catalog/inventory",
            "shop/payments",
            "catalog/search",
            "messaging/notifications",
        ]
        overview = app.screen.overview
        assert overview.rows["shop/payments"].urgency == Urgency.IN_PROGRESS
        await settle(pilot, clock, 600)
        assert overview.rows["shop/payments"].urgency == Urgency.DONE
        rows = app.screen.query_one(RolloutTable).rows
        assert [row.urgency for row in rows] == sorted(row.urgency for row in rows)
        assert shown(app)[:2] == ["shop/checkout-api", "catalog/inventory"]


async def test_enter_attaches_and_escape_comes_back_to_the_same_row(clock: VirtualClock):
    app, _ = overview_demo_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, clock)
        await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot, clock, 20)
        assert isinstance(app.screen, AttachedWatch)
        assert app.screen.session.rollout_id == "catalog/inventory"
        assert app.screen.session.rollout is not None
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, OverviewScreen)
        table = app.screen.query_one(RolloutTable)
        assert table.current is not None and table.current.id == "catalog/inventory"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AttachedWatch)
        assert app.screen.session.rollout_id == "catalog/inventory"
        assert len([w for w in app.workers if w.group == "session"]) == 1, "one session each"


async def test_an_attached_sessions_verdict_ranks_its_row(clock: VirtualClock):
    app, _ = overview_demo_app(clock, "error-spike")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, clock)
        await pilot.press("enter")
        await settle(pilot, clock, 20)
        await pilot.press("escape")
        for _ in range(30):
            await settle(pilot, clock, 20)
        overview = app.screen
        assert isinstance(overview, OverviewScreen)
        row = overview.overview.rows["shop/checkout-api"]
        assert row.judged and row.verdict == GateStatus.FAIL
        assert shown(app)[0] == "shop/checkout-api" and row.need == "failing"


async def test_every_row_has_rollwatchs_verdict_and_opening_one_shows_the_same(
    clock: VirtualClock,
):
    app, _ = overview_demo_app(clock, "error-spike")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, clock)
        screen = app.screen
        assert isinstance(screen, OverviewScreen)
        rows = screen.overview.rows
        in_progress = [r for r in rows.values() if not r.summary.phase.finished]
        assert in_progress and all(r.judged and r.verdict is not None for r in in_progress)
        assert shown(app)[0] == "shop/checkout-api"
        assert rows["shop/checkout-api"].verdict == GateStatus.FAIL
        judged = screen.judges.sessions["shop/checkout-api"]
        published: list[Update] = []
        judged.subscribe(published.append)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AttachedWatch)
        assert app.screen.session is judged, "opening does not start the evidence over"
        assert judged.judgement is not None and judged.judgement.status == GateStatus.FAIL
        text = "\n".join(screen_lines(app))
        assert "verdict  FAIL" in text, "the gates it holds are shown, with no update to wait for"
        assert "paused: waiting for confirmation" in text, "and its events"
        assert any(set(line) & BRAILLE for line in screen_lines(app)), "and its graphs"
        news = (MetricsChanged, GatesChanged, EventsAdded)
        assert not [u for u in published if isinstance(u, news)], "drawn from what it held"


async def test_slash_filters_and_escape_clears(clock: VirtualClock):
    app, _ = overview_demo_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, clock)
        await pilot.press("slash")
        await pilot.press(*"catalog")
        await pilot.pause()
        assert app.screen.query_one("#filter", Input).has_focus
        assert shown(app) == ["catalog/inventory", "catalog/search"]
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.query_one(RolloutTable).has_focus
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AttachedWatch)
        assert app.screen.session.rollout_id == "catalog/inventory"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert len(shown(app)) == 5
        assert not app.screen.query_one("#filter", Input).display


async def test_o_opens_the_highlighted_rollouts_change(clock: VirtualClock, monkeypatch):
    app, _ = overview_demo_app(clock)
    opened: list[str] = []
    monkeypatch.setattr(app, "open_url", lambda url, new_tab=True: opened.append(url))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, clock)
        await pilot.press("down")
        await pilot.press("o")
        await pilot.pause()
        assert opened == ["https://git.example.com/shop/pulls/4824"], "inventory's pull request"


async def test_an_attached_rollouts_moments_are_toasted_off_its_own_screen(
    clock: VirtualClock, monkeypatch
):
    app, sim = overview_demo_app(clock, "healthy")
    toasts: list[tuple[str, str]] = []
    monkeypatch.setattr(
        app, "notify", lambda message, *, title="", **kwargs: toasts.append((title, message))
    )
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, clock)
        await pilot.press("enter")
        await settle(pilot, clock, 10)
        assert toasts == [], "the wait the person opened the rollout for is on screen already"
        await pilot.press("escape")
        rollout = await sim.get_rollout("shop/checkout-api")
        await sim.promote(rollout.id, expect=Expectation.of(rollout), full=True)
        for _ in range(12):
            await settle(pilot, clock, 10)
        assert isinstance(app.screen, OverviewScreen)
        assert any(title == "checkout-api rolled out" for title, _ in toasts), toasts


async def test_a_gate_failing_on_the_rollouts_own_screen_is_not_toasted(
    clock: VirtualClock, monkeypatch
):
    app, _ = overview_demo_app(clock, "error-spike")
    toasts: list[str] = []
    monkeypatch.setattr(app, "notify", lambda message, *, title="", **kwargs: toasts.append(title))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, clock)
        await pilot.press("enter")
        for _ in range(6):
            await settle(pilot, clock, 20)
        assert isinstance(app.screen, AttachedWatch)
        assert app.screen.session.judgement is not None
        assert app.screen.session.judgement.status == GateStatus.FAIL
        assert toasts == [], "the gates panel shows it; a toast would cover the graphs"


async def test_read_only_says_so_and_opens_rollouts_read_only(clock: VirtualClock):
    sim = Simulator(clock, SimulatorOptions(seed=SEED, actor="tester"))
    wiring = demo_wiring(sim)
    app = overview_app(
        Overview(sim, clock),
        lambda rollout: wiring.session(rollout, read_only=True),
        read_only=True,
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, clock)
        assert "READ-ONLY" in str(app.screen.query_one("#summary", Static).render())
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AttachedWatch) and app.screen.session.read_only


async def test_o_on_the_watch_screen_opens_its_change(clock: VirtualClock, monkeypatch):
    app, _ = demo_app(clock)
    opened: list[str] = []
    monkeypatch.setattr(app, "open_url", lambda url, new_tab=True: opened.append(url))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, clock)
        await pilot.press("o")
        await pilot.pause()
        assert opened == ["https://git.example.com/shop/pulls/4821"]
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Open the change" in titles


def test_a_wide_terminal_keeps_each_rows_numbers_near_its_name():
    def name_width(width: int) -> int:
        return dict((column.title, size) for column, size in layout(width))["ROLLOUT"]

    assert name_width(250) == name_width(160) == MAX_NAME
    assert MIN_NAME <= name_width(80) < MAX_NAME
    assert sum(size + 1 for _, size in layout(250)) < 250 // 2 + MAX_NAME
