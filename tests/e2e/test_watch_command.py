"""`rollwatch watch` against a configured deploy API: the app runs in the loop that checked the id.

A backend's HTTP client belongs to the event loop it was first used in; checking the rollout id
in one loop and running the app in another broke every request the app made.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from backends.model import Phase
from tests.helpers.sim_server import sim_serve_process
from tui.app import RollwatchApp
from tui.cli.main import main


def test_watch_reads_the_rollout_in_the_apps_loop(tmp_path: Path, monkeypatch):
    seen = []

    async def run_async(self: RollwatchApp) -> None:
        seen.append(await self.session.deploy.get_rollout(self.session.rollout_id))

    monkeypatch.setattr(RollwatchApp, "run_async", run_async)
    with sim_serve_process("healthy", speed=1) as url:
        config = tmp_path / "rollwatch.toml"
        config.write_text(
            f'[deploy]\nkind = "http"\nurl = "{url}"\n'
            '[metrics]\nkind = "prometheus"\nurl = "http://127.0.0.1:9"\n'
        )
        with pytest.raises(SystemExit) as exit:
            main(["watch", "shop/checkout-api", "--config", str(config)])
    assert exit.value.code == 0
    assert [r.id for r in seen] == ["shop/checkout-api"] and seen[0].phase == Phase.PAUSED


def test_demo_runs_the_scenario_asked_for_on_the_simulator(monkeypatch):
    """`demo` goes through the registry like `--backend simulator`: its flags are options."""
    seen = []

    async def run_async(self: RollwatchApp) -> None:
        session = self.session
        rollout = await session.deploy.get_rollout(session.rollout_id)
        seen.append((rollout, session.read_only, getattr(session.clock, "speed", None)))

    monkeypatch.setattr(RollwatchApp, "run_async", run_async)
    with pytest.raises(SystemExit) as exit:
        main(["demo", "--scenario", "latency-regression", "--speed", "5", "--read-only"])
    assert exit.value.code == 0
    [(rollout, read_only, speed)] = seen
    assert rollout.id == "shop/checkout-api" and read_only and speed == 5
    assert rollout.change.title == "Validate cart items against inventory"
