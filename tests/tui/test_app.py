"""The watch screen driven by Pilot on the simulator under a virtual clock."""

from __future__ import annotations

from textual.widgets import Button, Static

from backends.clock import VirtualClock
from backends.model import Phase, Role
from tests.helpers.tui_helpers import actions_done
from tui.screens.confirm import ConfirmScreen
from tui.screens.help import HelpScreen
from tui.virtual_app import demo_app, settle
from tui.widgets.metric_row import MetricRow

PRIMARY = "shop/checkout-api"


async def test_promote_after_confirmation_moves_to_the_next_step(clock: VirtualClock):
    app, sim = demo_app(clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, clock)
        assert app.session.rollout is not None and app.session.rollout.awaits_decision
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        what = str(app.screen.query_one("#what", Static).render())
        assert what == "promote checkout-api to step 3 of 7: 10 % of traffic"
        assert (await sim.get_rollout(PRIMARY)).current_step == 1, "nothing before the yes"
        await pilot.press("enter")
        await actions_done(app)
        await settle(pilot, clock)
        rollout = await sim.get_rollout(PRIMARY)
        assert rollout.current_step == 2 and rollout.desired_weight == 10
        assert app.session.rollout is not None and app.session.rollout.current_step == 2


async def test_cancel_does_nothing(clock: VirtualClock):
    app, sim = demo_app(clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, clock)
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        await pilot.press("a")
        await pilot.pause()
        app.screen.query_one("#cancel", Button).press()
        await pilot.pause()
        await actions_done(app)
        rollout = await sim.get_rollout(PRIMARY)
        assert rollout.current_step == 1 and rollout.phase == Phase.PAUSED


async def test_abort_after_confirmation(clock: VirtualClock):
    app, sim = demo_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, clock)
        await pilot.press("a")
        await pilot.pause()
        what = str(app.screen.query_one("#what", Static).render())
        assert what.startswith("abort checkout-api: send all traffic back to stable 6cbccd9f99")
        await pilot.click("#confirm")
        await actions_done(app)
        await settle(pilot, clock)
        assert (await sim.get_rollout(PRIMARY)).phase == Phase.ABORTED
        assert app.session.rollout is not None and app.session.rollout.phase == Phase.ABORTED


async def test_read_only_hides_the_actions(clock: VirtualClock):
    app, sim = demo_app(clock, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, clock)
        await pilot.press("p")
        await pilot.press("a")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        offered = {b.binding.action for b in app.screen.active_bindings.values()}
        assert not offered & {"promote", "promote_full", "abort"}, "hidden from the footer"
        assert (await sim.get_rollout(PRIMARY)).current_step == 1


async def test_graphs_fill_from_the_session(clock: VirtualClock):
    app, _ = demo_app(clock, "latency-regression")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, clock)
        await settle(pilot, clock, 10)
        rows = {row.window.spec.name: row for row in app.screen.query(MetricRow)}
        p99 = rows["p99 latency"].window
        assert len(p99.window(Role.STABLE)) > 20 and len(p99.window(Role.CANARY)) > 20
        label = str(rows["p99 latency"].query_one("#label", Static).render())
        assert "canary" in label and "ms" in label


async def test_help_lists_the_keys(clock: VirtualClock):
    app, _ = demo_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, clock)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_a_tick_without_new_data_draws_nothing(clock: VirtualClock):
    from tui.widgets.graph import MetricGraph

    app, _ = demo_app(clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, clock)
        graphs = list(app.screen.query(MetricGraph))
        before = [g.draws for g in graphs]
        for _ in range(3):
            app.screen.refresh()
            await pilot.pause()
        assert [g.draws for g in graphs] == before


async def test_promoting_a_failing_canary_needs_the_name_typed_and_a_reason(clock: VirtualClock):
    from textual.widgets import Input

    app, sim = demo_app(clock, "latency-regression", actor="tester")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, clock)
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        details = str(app.screen.query_one("#details", Static).render())
        assert "verdict FAIL" in details and "p99 latency: canary" in details
        confirm = app.screen.query_one("#confirm", Button)
        assert confirm.disabled
        await pilot.press("enter")
        await pilot.pause()
        assert (await sim.get_rollout(PRIMARY)).current_step == 1, "Enter alone never promotes"
        await pilot.press(*"checkout-ap")
        await pilot.pause()
        assert confirm.disabled
        await pilot.press("i")
        await pilot.pause()
        assert not confirm.disabled
        assert app.screen.query_one("#typed", Input).value == "checkout-api"
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused is app.screen.query_one("#reason", Input), "Enter asks why next"
        await pilot.press(*"hotfix", "enter")
        await actions_done(app)
        await settle(pilot, clock)
        assert (await sim.get_rollout(PRIMARY)).current_step == 2
        assert any(
            e.message.startswith("override: promoted over p99 latency")
            and e.message.endswith('"hotfix"')
            and e.actor == "tester"
            for e in app.session.events
        )


async def test_a_store_outage_is_shown_and_clears(clock: VirtualClock):
    from backends.simulator.adapter import Simulator, SimulatorOptions
    from tests.unit.test_session import RecordingStore
    from tui.app import RollwatchApp
    from tui.session.demo import demo_wiring

    sim = Simulator(clock, SimulatorOptions(actor="tester"))
    store = RecordingStore(sim)
    wired = demo_wiring(sim)
    wired.metrics = store
    app = RollwatchApp(wired.session(PRIMARY))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, clock)
        link = app.screen.query_one("#link", Static)
        assert not link.display
        store.fail = True
        await settle(pilot, clock, 10)
        assert link.display
        assert str(link.render()) == (
            "⚠ metrics: store down: connection refused (6 of 6 queries) — retrying"
        )
        store.fail = False
        await settle(pilot, clock, 120)
        assert not link.display


async def test_keys_are_remapped_from_the_config(clock: VirtualClock):
    from backends.simulator.adapter import Simulator, SimulatorOptions
    from tui.app import RollwatchApp
    from tui.config.ui import UiSettings
    from tui.session.demo import demo_session

    sim = Simulator(clock, SimulatorOptions(actor="tester"))
    ui = UiSettings(keys={"promote": "ctrl+y"}, theme="nord")
    app = RollwatchApp(demo_session(sim), ui=ui)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, clock)
        assert app.theme == "nord"
        await pilot.press("p")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen), "p no longer promotes"
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)


async def test_the_command_palette_offers_what_the_keys_do(clock: VirtualClock):
    app, _ = demo_app(clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, clock)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert {"Promote", "Promote all", "Abort", "Help"} <= set(titles)
    app, _ = demo_app(clock, read_only=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, clock)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Promote" not in titles and "Abort" not in titles and "Help" in titles


async def test_the_threshold_line_follows_the_gate(clock: VirtualClock):
    from tui.widgets.graph import MetricGraph

    app, _ = demo_app(clock, "error-spike")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, clock)
        row = next(r for r in app.screen.query(MetricRow) if r.window.spec.name == "error rate")
        canary = row.query_one("#canary", MetricGraph)
        assert row.gate is not None and row.gate.threshold == 1.0
        assert canary._data.threshold == 1.0, "drawn as soon as the gate is known"
