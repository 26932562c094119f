"""The overview screen in a bare app, on the simulator's world under a virtual clock."""

from __future__ import annotations

from textual.app import App

from backends.clock import VirtualClock
from backends.simulator.adapter import Simulator, SimulatorOptions
from tui.config.ui import UiSettings
from tui.screens.overview import OverviewScreen
from tui.session.demo import SEED, demo_wiring
from tui.session.overview import Overview


class Harness(App[None]):
    CSS_PATH = "../../tui/rollwatch.tcss"

    def __init__(self, overview: Overview, factory) -> None:
        super().__init__()
        self.overview = overview
        self.factory = factory
        self.ui = UiSettings()

    def get_theme_variable_defaults(self):
        return {"stable": "#5fafff", "canary": "#ffaf5f", "dependency": "#b0a0e0"}

    def on_mount(self):
        self.push_screen(OverviewScreen(self.overview, self.factory))


def overview_app(clock: VirtualClock, scenario: str = "healthy"):
    sim = Simulator(clock, SimulatorOptions(scenario=scenario, seed=SEED, actor="tester"))
    wiring = demo_wiring(sim)
    return Harness(Overview(sim, clock), lambda rid: wiring.session(rid)), sim
