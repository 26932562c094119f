"""From settings to live objects: the adapters a config names, or the simulator.

Every command builds its backends here, so an adapter's bad options read the same everywhere:
the config file, the table and the option, and the adapter's own words.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from backends.base import DeployBackend, MetricsBackend
from backends.clock import Clock, SystemClock
from backends.errors import BackendError
from backends.registry import (
    DEPLOY_GROUP,
    METRICS_GROUP,
    AdapterContext,
    UnknownAdapter,
    load_factory,
)
from backends.simulator.adapter import Simulator, SimulatorOptions
from tui.config.load import Config, ConfigError, demo_config
from tui.session.live import Session


@dataclass
class Wiring:
    """The two backends a command talks to, the settings they came from, and the clock."""

    deploy: DeployBackend
    metrics: MetricsBackend
    config: Config
    clock: Clock
    simulator: Simulator | None = None
    actor: str = field(default_factory=lambda: _user())

    def session(self, rollout_id: str, *, read_only: bool = False) -> Session:
        return Session(
            self.deploy,
            self.metrics,
            rollout_id,
            self.config.metric,
            self.clock,
            window=self.config.ui.window,
            read_only=read_only or self.config.ui.read_only,
            gates=self.config.gate,
            judge_spec=self.config.judge,
            actor=self.actor,
        )

    async def aclose(self) -> None:
        await self.deploy.aclose()
        if self.metrics is not self.deploy:
            await self.metrics.aclose()


def simulated(
    scenario: str, seed: int, *, speed: float = 1.0, auto_confirm: float | None = None
) -> Wiring:
    """The built-in simulator behind both protocols, configured by the simulator starter."""
    options = SimulatorOptions(scenario=scenario, seed=seed, auto_confirm=auto_confirm)
    return on_simulator(Simulator(SystemClock(speed=speed), options))


def on_simulator(sim: Simulator) -> Wiring:
    """A simulator already made (on a virtual clock in tests) wired like the demo."""
    actor = sim.options.actor or _user()
    return Wiring(sim, sim, demo_config(), sim.clock, simulator=sim, actor=actor)


def from_config(config: Config, clock: Clock | None = None) -> Wiring:
    """The adapters `[deploy]` and `[metrics]` name, built with their options."""
    context = AdapterContext(clock=clock or SystemClock())
    deploy = _build(config, "deploy", DEPLOY_GROUP, context)
    metrics = _build(config, "metrics", METRICS_GROUP, context)
    return Wiring(deploy, metrics, config, context.clock)


def _build(config: Config, table: str, group: str, context: AdapterContext) -> Any:
    adapter = getattr(config, table)
    source = str(config.source) if config.source else None
    try:
        factory = load_factory(group, adapter.kind)
        return factory(dict(adapter.options), context)
    except UnknownAdapter as error:
        raise ConfigError(str(error), source=source, field=f"{table}.kind") from None
    except ImportError as error:
        raise ConfigError(
            f"the {adapter.kind} adapter cannot load: {error} (is its package installed?)",
            source=source,
            field=f"{table}.kind",
        ) from None
    except ValidationError as error:
        first = error.errors()[0]
        option = ".".join(str(part) for part in first["loc"]) or adapter.kind
        raise ConfigError(
            f"{first['msg']} (see `rollwatch config init --{table} {adapter.kind}`)",
            source=source,
            field=f"{table}.{option}",
        ) from None
    except (ValueError, OSError) as error:
        raise ConfigError(f"{adapter.kind}: {error}", source=source, field=table) from None
    except BackendError as error:
        if error.retryable:
            raise
        raise ConfigError(f"{adapter.kind}: {error}", source=source, field=table) from None


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "someone"
