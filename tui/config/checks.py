"""What each table may be fine alone but wrong with the others: adapters, names, references."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from pydantic import BaseModel

from tui.config.adapters import adapter_problem
from tui.config.errors import Loc, did_you_mean
from tui.judge.specs import (
    CompareGate,
    GateSpec,
    MetricSpec,
    RateGate,
    RelativeGate,
    ThresholdGate,
)

if TYPE_CHECKING:
    from tui.config.load import Tables

GATES: dict[str, type[BaseModel]] = {
    "threshold": ThresholdGate,
    "relative": RelativeGate,
    "compare": CompareGate,
    "rate": RateGate,
}
"""Gate models by kind, for messages about a gate's own keys."""


def cross_table_problem(tables: Tables) -> tuple[Loc, str] | None:
    """The first problem, adapters before names and references."""
    for table in ("deploy", "metrics"):
        problem = adapter_problem(table, getattr(tables, table))
        if problem is not None:
            return problem
    return next(_name_problems(tables), None)


def _name_problems(tables: Tables) -> Iterator[tuple[Loc, str]]:
    for table, items in (("metric", tables.metric), ("gate", tables.gate)):
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            if item.name in seen:
                message = f"{item.name!r} is also {table}[{seen[item.name] + 1}]; names must differ"
                yield (table, index, "name"), message
            seen.setdefault(item.name, index)
    for index, spec in enumerate(tables.metric):
        if not spec.split and "{revision}" in spec.query:
            yield (
                ("metric", index, "query"),
                "uses {revision}, but split = false makes one series for both revisions; "
                "drop {revision} or set split = true",
            )
    metrics = {spec.name: spec for spec in tables.metric}
    for index, gate in enumerate(tables.gate):
        keys = ("numerator", "denominator") if isinstance(gate, RateGate) else ("metric",)
        for key in keys:
            problem = _reference(gate, getattr(gate, key), metrics)
            if problem:
                yield ("gate", index, key), problem


def _reference(gate: GateSpec, name: str, metrics: Mapping[str, MetricSpec]) -> str | None:
    spec = metrics.get(name)
    if spec is None:
        if not metrics:
            return "add a [[metric]] first"
        return f"no [[metric]] named {name!r}; {did_you_mean(name, metrics)}"
    if not spec.split and not isinstance(gate, ThresholdGate):
        return (
            f"{name!r} is split = false (one series for both revisions), so a {gate.kind} gate "
            "cannot compare canary with stable; use a threshold gate"
        )
    return None
