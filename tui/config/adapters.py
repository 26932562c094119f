"""`[deploy]` and `[metrics]`: an adapter's name and its options, checked against the adapter.

Each adapter publishes its options as a model that refuses unknown keys. Validating the table
against it when the file is loaded (not only when the backend is built) is what lets
`rollwatch config check` catch `namespce = "shop"` before a rollout is watched in `default`.
Nothing connects anywhere: only the adapter's module is imported.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from backends import registry
from tui.config.errors import Loc, did_you_mean, explain, owner
from tui.config.secrets import masked


class AdapterTable(BaseModel):
    """`[deploy]` or `[metrics]`: the adapter's entry-point name and its own options."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    options: dict[str, Any] = Field(default_factory=dict)


def adapter_problem(table: str, adapter: AdapterTable) -> tuple[Loc, str] | None:
    """What is wrong with one adapter table: its kind, its import, or its first bad option."""
    load = registry.load_deploy if table == "deploy" else registry.load_metrics
    try:
        found = load(adapter.kind)
    except registry.UnknownAdapter as error:
        hint = did_you_mean(adapter.kind, error.known)
        return (table, "kind"), f"unknown {table} adapter {adapter.kind!r}; {hint}"
    except registry.AdapterImportError as error:
        missing = isinstance(error.__cause__, ImportError)
        hint = " (is its package installed?)" if missing else ""
        return (table, "kind"), f"the {adapter.kind} adapter cannot load: {error.reason}{hint}"
    try:
        found.options.model_validate(adapter.options)
    except ValidationError as error:
        details = error.errors()[0]
        loc = tuple(details["loc"])
        model, key = owner(found.options, loc)
        return (table, *loc), explain(details, model, key)
    except Exception as error:  # an adapter's validator may fail any way; still one line
        reason = masked(f"{type(error).__name__}: {error}")
        return (table,), f"the {adapter.kind} adapter failed checking its options: {reason}"
    return None
