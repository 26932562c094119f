"""Adapters found by name through entry points, so in-house adapters ship as packages.

A factory is called as `factory(options, context)`: `options` is the adapter's table from
rollwatch.toml (secrets already resolved), `context` carries the clock and a dict that lets one
object serve both protocols (the simulator is a deploy and a metrics backend at once).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from backends.clock import Clock, SystemClock

DEPLOY_GROUP = "rollwatch.deploy"
METRICS_GROUP = "rollwatch.metrics"


@dataclass
class AdapterContext:
    clock: Clock = field(default_factory=SystemClock)
    shared: dict[str, object] = field(default_factory=dict)


Factory = Callable[[dict[str, Any], AdapterContext], Any]


class UnknownAdapter(LookupError):
    def __init__(self, kind: str, name: str, known: list[str]) -> None:
        self.name = name
        self.known = known
        super().__init__(
            f"unknown {kind} adapter {name!r}; known: {', '.join(known) or 'none installed'}"
        )


def _entry_points(group: str) -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=group)}


def adapter_names(group: str) -> list[str]:
    """Names of the installed adapters of a group, without importing any of them."""
    return sorted(_entry_points(group))


def load_factory(group: str, name: str) -> Factory:
    """The factory registered under `name`; raises UnknownAdapter listing the known names."""
    found = _entry_points(group)
    if name not in found:
        kind = "deploy" if group == DEPLOY_GROUP else "metrics"
        raise UnknownAdapter(kind, name, sorted(found))
    factory: Factory = found[name].load()
    return factory
