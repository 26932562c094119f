"""The effective config written back as TOML: what rollwatch will actually use.

`rollwatch config check` prints it so a user can see why a gate behaves as it does: defaults
filled in, secrets masked (that output ends up in terminals, tickets and screen shares), and
itself a valid rollwatch.toml that loads to the same settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import tomli_w

from backends.text_safety import MASK
from tui.config.durations import duration_text
from tui.config.secrets import masked

if TYPE_CHECKING:
    from tui.config.load import Config


def effective_config_text(config: Config) -> str:
    """The config as TOML, defaults filled in, secrets masked, `*_env`/`*_file` left as names."""
    origin = f" from {config.source}" if config.source else ""
    header = (
        f"# The configuration rollwatch uses{origin}:\n"
        f'# defaults filled in, secrets shown as "{MASK}".\n\n'
    )
    tables: dict[str, Any] = {
        name: {"kind": getattr(config, name).kind, **masked(getattr(config, name).options)}
        for name in ("deploy", "metrics")
    }
    tables["metric"] = [metric.model_dump() for metric in config.metric]
    tables["gate"] = [_name_and_kind_first(gate.model_dump()) for gate in config.gate]
    tables["judge"] = config.judge.model_dump()
    tables["ui"] = config.ui.model_dump()
    return header + tomli_w.dumps(_writable(tables), multiline_strings=True)


def _name_and_kind_first(fields: dict[str, Any]) -> dict[str, Any]:
    return {"name": fields.pop("name"), "kind": fields.pop("kind"), **fields}


def _writable(value: Any) -> Any:
    """Durations as rollwatch writes them; None has no TOML form and means "not set"."""
    if isinstance(value, Mapping):
        return {key: _writable(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple):
        return [_writable(item) for item in value]
    if isinstance(value, timedelta):
        return duration_text(value)
    return value
