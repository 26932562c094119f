"""Adapters found by name through entry points, so in-house adapters ship as packages.

An entry point in the `rollwatch.deploy` or `rollwatch.metrics` group names a module-level
`DeployAdapter` or `MetricsAdapter`: the pydantic model its table in rollwatch.toml must fit
(unknown keys refused) and the function that builds the backend from a validated model. Keeping
the two apart lets `config check` validate a table without connecting anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from backends.base import DeployBackend, MetricsBackend
from backends.clock import Clock, SystemClock

DEPLOY_GROUP = "rollwatch.deploy"
METRICS_GROUP = "rollwatch.metrics"

OptionsT = TypeVar("OptionsT", bound=BaseModel)
A = TypeVar("A", "DeployAdapter[Any]", "MetricsAdapter[Any]")


@dataclass
class AdapterContext:
    """What the adapters of one command share while they are built.

    `shared` lets one object serve both protocols (the simulator is a deploy and a metrics
    backend at once). An adapter that runs on its own time may replace `clock` while it is built
    (the simulator does for its `speed` option): the caller reads `clock` only after building both
    adapters, so the session and the adapter keep one clock.
    """

    clock: Clock = field(default_factory=SystemClock)
    shared: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class DeployAdapter(Generic[OptionsT]):
    """A deploy adapter as registered: its options model and how it is built from them.

    `options` forbids unknown keys (`extra="forbid"`), so a misspelt option is refused by name
    instead of silently falling back to a default.
    """

    options: type[OptionsT]
    build: Callable[[OptionsT, AdapterContext], DeployBackend]


@dataclass(frozen=True)
class MetricsAdapter(Generic[OptionsT]):
    """A metrics adapter as registered: its options model and how it is built from them."""

    options: type[OptionsT]
    build: Callable[[OptionsT, AdapterContext], MetricsBackend]


class UnknownAdapter(LookupError):
    def __init__(self, kind: str, name: str, known: list[str]) -> None:
        self.name = name
        self.known = known
        super().__init__(
            f"unknown {kind} adapter {name!r}; known: {', '.join(known) or 'none installed'}"
        )


class AdapterImportError(ImportError):
    """An installed adapter that cannot be used: its module fails to import, or the entry point
    names something that is not an adapter. `reason` says which, without the adapter's name."""

    def __init__(self, kind: str, name: str, reason: str) -> None:
        self.adapter = name
        self.reason = reason
        super().__init__(f"the {name} {kind} adapter cannot load: {reason}")


@cache
def _scanned(find: Callable[..., Iterable[EntryPoint]], group: str) -> dict[str, EntryPoint]:
    """The group's entry points of every installed distribution, read once per process: the scan
    opens each distribution's metadata. Keyed by `find`, so a replaced `entry_points` is read."""
    return {ep.name: ep for ep in find(group=group)}


def _entry_points(group: str) -> dict[str, EntryPoint]:
    return _scanned(entry_points, group)


def adapter_names(group: str) -> list[str]:
    """Names of the installed adapters of a group, without importing any of them."""
    return sorted(_entry_points(group))


def _load(group: str, kind: str, name: str, expected: type[A]) -> A:
    found = _entry_points(group)
    if name not in found:
        raise UnknownAdapter(kind, name, sorted(found))
    entry = found[name]
    try:
        adapter = entry.load()
    except Exception as exc:  # a third-party module may fail any way while importing
        reason = f"{entry.value} failed to import: {type(exc).__name__}: {exc}"
        raise AdapterImportError(kind, name, reason) from exc
    if not isinstance(adapter, expected):
        reason = f"{entry.value} is a {type(adapter).__name__}, not a {expected.__name__}"
        raise AdapterImportError(kind, name, reason)
    return adapter


def load_deploy(name: str) -> DeployAdapter[Any]:
    """The deploy adapter registered under `name`.

    `Any` stands for the adapter's own options model: `build` accepts what `options` validates.

    Raises:
        UnknownAdapter: no adapter has this name (the message lists the installed ones).
        AdapterImportError: the adapter's module does not import, or it is not a DeployAdapter.
    """
    return _load(DEPLOY_GROUP, "deploy", name, DeployAdapter)


def load_metrics(name: str) -> MetricsAdapter[Any]:
    """The metrics adapter registered under `name`; raises as `load_deploy` does."""
    return _load(METRICS_GROUP, "metrics", name, MetricsAdapter)
