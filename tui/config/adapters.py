"""`[deploy]` and `[metrics]`: an adapter's name and its options, which are the adapter's own."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from backends import registry
from tui.config.errors import Loc, did_you_mean


class AdapterTable(BaseModel):
    """`[deploy]` or `[metrics]`: the adapter's entry-point name and its own options."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    options: dict[str, Any] = Field(default_factory=dict)


def adapter_problem(table: str, adapter: AdapterTable) -> tuple[Loc, str] | None:
    """An adapter name that no installed adapter has."""
    group = registry.DEPLOY_GROUP if table == "deploy" else registry.METRICS_GROUP
    known = registry.adapter_names(group)
    if adapter.kind not in known:
        hint = did_you_mean(adapter.kind, known)
        return (table, "kind"), f"unknown {table} adapter {adapter.kind!r}; {hint}"
    return None
