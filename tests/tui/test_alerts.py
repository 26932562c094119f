"""A moment is toasted only off its rollout's screen: a prompt or the help opened over the
rollout's watch screen still counts as being on it, so no toast covers the prompt's words."""

from __future__ import annotations

from textual.widgets._toast import Toast

from backends.clock import VirtualClock
from tui.alerts import alert
from tui.app import RollwatchApp
from tui.screens.confirm import ConfirmScreen
from tui.screens.help import HelpScreen
from tui.screens.watch import WatchScreen
from tui.session.notices import Notice, NoticeKind
from tui.virtual_app import demo_app, settle


def gate_failed(clock: VirtualClock, rollout_id: str) -> Notice:
    return Notice(
        kind=NoticeKind.GATE_FAILED,
        rollout_id=rollout_id,
        service=rollout_id.rsplit("/", 1)[-1],
        title=f"{rollout_id}: a gate failed",
        message="error rate: canary mean 2.4 % (max 1 %) — Fail, n=30",
        time=clock.now(),
    )


def toasts(app: RollwatchApp) -> list[Toast]:
    return list(app.screen.query(Toast))


async def test_no_toast_for_the_rollout_under_its_own_prompt_and_help(clock: VirtualClock) -> None:
    app, _ = demo_app(clock)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot, clock)
        watch = app.screen
        assert isinstance(watch, WatchScreen)
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        watch.action_help()
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert isinstance(app.screen_stack[-2], ConfirmScreen)
        app.clear_notifications()
        await pilot.pause()

        alert(app, gate_failed(clock, watch.session.rollout_id), bell=False)
        await pilot.pause()
        assert len(app._notifications) == 0 and toasts(app) == []

        alert(app, gate_failed(clock, "shop/inventory"), bell=False)
        await pilot.pause()
        assert len(app._notifications) == 1
        [toast] = toasts(app)
        assert "shop/inventory: a gate failed" in str(toast.render())
