"""What the watch screen offers: only what can be done now, everywhere (footer, palette, help),
and a key for anything else answers with the reason in one line."""

from __future__ import annotations

from collections.abc import Callable

from textual.message import Message
from textual.notifications import Notify

from backends.clock import VirtualClock
from backends.model import Expectation, Phase
from backends.simulator.adapter import Simulator, SimulatorOptions
from tests.helpers.tui_helpers import actions_done, screen_lines
from tui.app import RollwatchApp
from tui.config.ui import UiSettings
from tui.screens.confirm import ConfirmScreen
from tui.screens.help import HelpScreen
from tui.session.demo import SEED, demo_session
from tui.virtual_app import demo_app, settle

PRIMARY = "shop/checkout-api"
ACTIONS = {"promote", "promote_full", "abort", "pause", "resume", "retry"}


def told(into: list[str]) -> Callable[[Message], None]:
    """A message hook that keeps what every notification said."""

    def hook(message: Message) -> None:
        if isinstance(message, Notify):
            into.append(message.notification.message)

    return hook


def offered(app: RollwatchApp) -> set[str]:
    return {b.binding.action for b in app.screen.active_bindings.values()}


def palette(app: RollwatchApp) -> list[str]:
    return [command.title for command in app.get_system_commands(app.screen)]


async def test_read_only_shows_a_badge_and_no_action_anywhere(clock: VirtualClock) -> None:
    app, sim = demo_app(clock, read_only=True)
    said: list[str] = []
    async with app.run_test(size=(80, 24), message_hook=told(said)) as pilot:
        await settle(pilot, clock)
        lines = screen_lines(app)
        assert "READ-ONLY" in lines[0]
        footer = lines[-1]
        for word in ("Promote", "Abort", "Pause", "Resume", "Retry"):
            assert word not in footer
            assert word not in palette(app)
        assert not offered(app) & ACTIONS
        await pilot.press("p")
        await pilot.press("a")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert said == [
            "read-only mode: rollwatch does not promote rollouts",
            "read-only mode: rollwatch does not abort rollouts",
        ]
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        help_text = "\n".join(screen_lines(app))
        assert "promote:" not in help_text and "abort:" not in help_text
        assert "Read-only mode" in help_text
        assert (await sim.get_rollout(PRIMARY)).current_step == 1


async def test_after_an_abort_promote_says_why_and_retry_is_offered(clock: VirtualClock) -> None:
    app, sim = demo_app(clock)
    said: list[str] = []
    async with app.run_test(size=(120, 36), message_hook=told(said)) as pilot:
        await settle(pilot, clock)
        await sim.abort(PRIMARY, expect=Expectation.of(await sim.get_rollout(PRIMARY)))
        await settle(pilot, clock, 1)
        assert not offered(app) & {"promote", "promote_full", "abort", "pause", "resume"}
        assert "retry" in offered(app)
        assert "Retry" in screen_lines(app)[-1] and "Promote" not in screen_lines(app)[-1]
        await pilot.press("p")
        await pilot.pause()
        assert said[-1] == "nothing to promote: the rollout was aborted"

        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")
        await actions_done(app)
        await settle(pilot, clock)
        rollout = await sim.get_rollout(PRIMARY)
        assert rollout.phase == Phase.PROGRESSING and rollout.current_step == 0


async def test_after_completion_promote_says_the_rollout_completed(clock: VirtualClock) -> None:
    app, sim = demo_app(clock)
    said: list[str] = []
    async with app.run_test(size=(120, 36), message_hook=told(said)) as pilot:
        await settle(pilot, clock)
        before = await sim.get_rollout(PRIMARY)
        await sim.promote(PRIMARY, expect=Expectation.of(before), full=True)
        for _ in range(30):
            await settle(pilot, clock, 10)
            if app.session.rollout and app.session.rollout.phase == Phase.HEALTHY:
                break
        assert app.session.rollout is not None and app.session.rollout.phase == Phase.HEALTHY
        await pilot.press("p")
        await pilot.pause()
        assert said[-1] == "nothing to promote: the rollout completed"
        assert not offered(app) & ACTIONS


async def test_pause_and_resume_on_screen_with_a_confirmation(clock: VirtualClock) -> None:
    app, sim = demo_app(clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, clock)
        assert "pause" not in offered(app), "a pause step already waits for a person"
        await sim.promote(PRIMARY, expect=Expectation.of(await sim.get_rollout(PRIMARY)))
        await settle(pilot, clock, 1)
        assert "pause" in offered(app) and "resume" not in offered(app)

        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert (await sim.get_rollout(PRIMARY)).phase == Phase.PROGRESSING, "nothing before yes"
        await pilot.press("enter")
        await actions_done(app)
        await settle(pilot, clock)
        assert (await sim.get_rollout(PRIMARY)).phase == Phase.PAUSED
        assert "resume" in offered(app) and "pause" not in offered(app)
        assert "paused" in screen_lines(app)[2]

        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")
        await actions_done(app)
        await settle(pilot, clock)
        assert (await sim.get_rollout(PRIMARY)).phase == Phase.PROGRESSING


async def test_help_shows_the_keys_as_remapped(clock: VirtualClock) -> None:
    sim = Simulator(clock, SimulatorOptions(seed=SEED, actor="tester"))
    ui = UiSettings(keys={"promote": "ctrl+y", "abort": "x"})
    app = RollwatchApp(demo_session(sim), ui=ui)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, clock)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = dict(app.screen.rows)
        assert rows["^y"].startswith("promote:")
        assert rows["x"].startswith("abort:")
        assert "p" not in rows and "a" not in rows


async def test_the_palette_has_one_quit(clock: VirtualClock) -> None:
    app, _ = demo_app(clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, clock)
        assert palette(app).count("Quit") == 1


async def test_escape_closes_the_keys_panel(clock: VirtualClock) -> None:
    app, _ = demo_app(clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, clock)
        app.action_show_help_panel()
        await pilot.pause()
        assert app.screen.query("HelpPanel")
        await pilot.press("escape")
        await pilot.pause()
        assert not app.screen.query("HelpPanel")


async def test_a_toast_never_covers_the_gates(clock: VirtualClock) -> None:
    from textual.widgets._toast import Toast

    from tui.widgets.gates_panel import GatesPanel

    app, _ = demo_app(clock)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot, clock)
        await pilot.press("s")
        await settle(pilot, clock)
        toasts = list(app.screen.query(Toast))
        assert toasts
        gates = app.screen.query_one(GatesPanel).region
        for toast in toasts:
            assert not toast.region.overlaps(gates)
