"""What each table may be fine alone but wrong with the others: adapters, names, references."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, get_args

from pydantic import BaseModel

from tui.config.adapters import adapter_problem
from tui.config.errors import Loc, did_you_mean
from tui.judge.specs import GateSpec, MetricSpec, ThresholdGate

if TYPE_CHECKING:
    from tui.config.load import Tables

GATES: dict[str, type[BaseModel]] = {
    model.model_fields["kind"].default: model for model in get_args(get_args(GateSpec)[0])
}
"""Gate models by kind, read from the judge's union so a new kind needs no change here."""
REFERENCES = ("metric", "numerator", "denominator")
"""The gate fields that name a [[metric]]."""


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
        for key in REFERENCES:
            if key in type(gate).model_fields:
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
