"""From settings to live objects: the adapters a config names, built through the registry.

Every command builds its backends here, so an adapter's bad options read the same everywhere:
the config file, the table and the option, and the adapter's own words.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from pydantic import ValidationError

from backends.base import DeployBackend, MetricsBackend
from backends.clock import Clock, SystemClock
from backends.errors import BackendError
from backends.registry import (
    AdapterContext,
    AdapterImportError,
    UnknownAdapter,
    load_deploy,
    load_metrics,
)
from tui.config.errors import ConfigError
from tui.config.load import Config
from tui.session.live import Session


@dataclass
class Wiring:
    """The two backends a command talks to, the settings they came from, and the clock."""

    deploy: DeployBackend
    metrics: MetricsBackend
    config: Config
    clock: Clock
    actor: str = field(default_factory=lambda: user())

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
            adapter=self.config.deploy.kind,
        )

    async def aclose(self) -> None:
        await self.deploy.aclose()
        if self.metrics is not self.deploy:
            await self.metrics.aclose()


def from_config(config: Config, clock: Clock | None = None) -> Wiring:
    """The adapters `[deploy]` and `[metrics]` name, built with their validated options.

    The context's clock is read after both are built: an adapter on its own time (the sped-up
    simulator) replaces it, and the session must keep that time too.
    """
    context = AdapterContext(clock=clock or SystemClock())
    with _adapter_errors(config, "deploy"):
        deploy_adapter = load_deploy(config.deploy.kind)
        deploy_options = deploy_adapter.options.model_validate(config.deploy.options)
        deploy = deploy_adapter.build(deploy_options, context)
    with _adapter_errors(config, "metrics"):
        metrics_adapter = load_metrics(config.metrics.kind)
        metrics_options = metrics_adapter.options.model_validate(config.metrics.options)
        metrics = metrics_adapter.build(metrics_options, context)
    return Wiring(deploy, metrics, config, context.clock)


@contextmanager
def _adapter_errors(config: Config, table: str) -> Iterator[None]:
    """Loading, validating and building an adapter fail as a ConfigError naming the field."""
    kind = getattr(config, table).kind
    source = str(config.source) if config.source else None
    try:
        yield
    except UnknownAdapter as error:
        raise ConfigError(str(error), source=source, field=f"{table}.kind") from None
    except AdapterImportError as error:
        missing = isinstance(error.__cause__, ImportError)
        hint = " (is its package installed?)" if missing else ""
        raise ConfigError(
            f"the {kind} adapter cannot load: {error.reason}{hint}",
            source=source,
            field=f"{table}.kind",
        ) from None
    except ImportError as error:
        raise ConfigError(
            f"the {kind} adapter cannot load: {error} (is its package installed?)",
            source=source,
            field=f"{table}.kind",
        ) from None
    except ValidationError as error:
        first = error.errors()[0]
        option = ".".join(str(part) for part in first["loc"]) or kind
        raise ConfigError(
            f"{first['msg']} (see `rollwatch config init --{table} {kind}`)",
            source=source,
            field=f"{table}.{option}",
        ) from None
    except (ValueError, OSError) as error:
        raise ConfigError(f"{kind}: {error}", source=source, field=table) from None
    except BackendError as error:
        if error.retryable:
            raise
        raise ConfigError(f"{kind}: {error}", source=source, field=table) from None


def user() -> str:
    """Who acts, as recorded on overrides: the login name, where there is one."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "someone"
