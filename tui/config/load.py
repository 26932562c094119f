"""rollwatch.toml -> validated settings: adapters, metrics, gates, judge and UI.

Everything is validated up front, unknown keys included (the adapters' own options too), so
that a typo is an error before the rollout starts rather than a gate that silently never fails
or an adapter that silently watches the default namespace.

Where the file is found: `--config PATH`, else `$ROLLWATCH_CONFIG`, else ./rollwatch.toml, else
rollwatch.toml in the platform's user config dir ($XDG_CONFIG_HOME/rollwatch, by default
~/.config/rollwatch, on Linux; ~/Library/Application Support/rollwatch on macOS).
Environment overrides, for containers and CI where editing a file is awkward:
ROLLWATCH_DEPLOY_KIND sets [deploy] kind (an adapter other than the file's starts with no
options, as `--backend` does: the file's options are its own adapter's), ROLLWATCH_METRICS_URL
sets [metrics] url, ROLLWATCH_READ_ONLY=1 sets [ui] read_only.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any

from platformdirs import user_config_path
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from backends.registry import DEPLOY_GROUP, METRICS_GROUP, adapter_names
from tui.config.adapters import AdapterTable
from tui.config.checks import GATES, cross_table_problem
from tui.config.errors import (
    ConfigError,
    Loc,
    did_you_mean,
    explain,
    field_name,
    syntax_error,
    unreadable,
)
from tui.config.lines import key_lines, locate
from tui.config.starter import starter
from tui.config.ui import UiSettings
from tui.config.values import impossible_value, read_durations
from tui.judge.specs import GateSpec, JudgeSpec, MetricSpec

FILE_NAME = "rollwatch.toml"
ENV_CONFIG = "ROLLWATCH_CONFIG"
ENV_DEPLOY_KIND = "ROLLWATCH_DEPLOY_KIND"
ENV_METRICS_URL = "ROLLWATCH_METRICS_URL"
ENV_READ_ONLY = "ROLLWATCH_READ_ONLY"

_GROUPS = {"deploy": DEPLOY_GROUP, "metrics": METRICS_GROUP}
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


class Tables(BaseModel):
    """The validated tables, before the file they came from is attached."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    deploy: AdapterTable
    metrics: AdapterTable
    metric: list[MetricSpec] = Field(default_factory=list)
    gate: list[GateSpec] = Field(default_factory=list)
    judge: JudgeSpec = Field(default_factory=JudgeSpec)
    ui: UiSettings = Field(default_factory=UiSettings)


class Config(Tables):
    """The validated tables and the file they came from, so messages can point at it."""

    source: Path | None = Field(None, description="The file this came from; None for a starter.")


def load_config(path: Path | None = None, *, env: Mapping[str, str] | None = None) -> Config:
    """The settings from the first config file found, with environment overrides applied."""
    env = os.environ if env is None else env
    found = _find(path, env)
    try:
        text = found.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ConfigError(f"cannot read it: {reason}", source=str(found)) from None
    return parse_config(text, found, env=env)


def demo_config() -> Config:
    """The simulator starter: the demo and the tests watch what `config init` prints."""
    return parse_config(starter("simulator", "simulator"), None)


def user_config_file() -> Path:
    """rollwatch.toml in the platform's user config dir, the last place looked."""
    return user_config_path("rollwatch", appauthor=False) / FILE_NAME


def _find(path: Path | None, env: Mapping[str, str]) -> Path:
    given = path or (Path(env[ENV_CONFIG]) if env.get(ENV_CONFIG) else None)
    if given is not None:
        if not given.exists():
            via = "" if path else f" (from ${ENV_CONFIG})"
            fix = f"create it with `rollwatch config init > {given}`"
            raise ConfigError(f"no such file{via}; {fix}", source=str(given))
        return given
    user = user_config_file()
    for candidate in (Path(FILE_NAME), user):
        if candidate.is_file():
            return candidate
    raise ConfigError(
        f"no {FILE_NAME} here or in {user.parent}; create one with "
        f"`rollwatch config init > {FILE_NAME}`, or pass --config PATH"
    )


def parse_config(text: str, source: Path | None, *, env: Mapping[str, str] | None = None) -> Config:
    """Settings from TOML text; `source` names the file in errors and in the result.

    Raises:
        ConfigError: whatever is wrong with the text, as one line; nothing else.
    """
    label = str(source) if source else "starter"
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise syntax_error(error, label, text) from None
    except (RecursionError, ValueError) as error:
        raise unreadable(error, label, text) from None
    origins = _override(raw, env or {})
    data = _adapter_options_apart(raw)
    problem = impossible_value(raw) or read_durations(data)
    if problem is None:
        try:
            tables = Tables.model_validate(data)
        except ValidationError as error:
            problem = _explain(error)
        else:
            problem = cross_table_problem(tables)
    if problem is not None:
        loc, message = problem
        raise _error(message, loc, text, label, origins)
    return Config(**dict(tables), source=source)


def _override(raw: dict[str, Any], env: Mapping[str, str]) -> dict[Loc, str]:
    """Apply the environment overrides; returns which fields they set, for error messages."""
    origins: dict[Loc, str] = {}
    overrides: list[tuple[str, str, str, Any]] = []
    if env.get(ENV_DEPLOY_KIND):
        overrides.append((ENV_DEPLOY_KIND, "deploy", "kind", env[ENV_DEPLOY_KIND]))
    if env.get(ENV_METRICS_URL):
        overrides.append((ENV_METRICS_URL, "metrics", "url", env[ENV_METRICS_URL]))
    if env.get(ENV_READ_ONLY, "").strip():
        flag = env[ENV_READ_ONLY].strip().lower()
        if flag not in _TRUE + _FALSE:
            raise ConfigError(
                f"must be 1 or 0, not {env[ENV_READ_ONLY]!r}", source=f"${ENV_READ_ONLY}"
            )
        overrides.append((ENV_READ_ONLY, "ui", "read_only", flag in _TRUE))
    for name, table, key, value in overrides:
        section = raw.setdefault(table, {})
        if key == "kind" and isinstance(section, MutableMapping) and section.get(key) != value:
            section = raw[table] = {}
        if isinstance(section, MutableMapping):
            section[key] = value
            origins[(table, key)] = f"${name}"
    return origins


def _adapter_options_apart(raw: dict[str, Any]) -> dict[str, Any]:
    """`[deploy]` and `[metrics]` as kind + options: the options are the adapter's to judge."""
    data = dict(raw)
    for name in _GROUPS:
        table = data.get(name)
        if isinstance(table, dict):
            options = {k: v for k, v in table.items() if k != "kind"}
            data[name] = {"options": options} | ({"kind": table["kind"]} if "kind" in table else {})
    return data


def _explain(error: ValidationError) -> tuple[Loc, str]:
    """The first problem (fixing one at a time keeps the message to one line)."""
    details = error.errors()[0]
    loc, model = _model_at(tuple(details["loc"]))
    key = str(loc[-1]) if loc and isinstance(loc[-1], str) else None
    missing = details["type"] == "missing"
    if missing and key in _GROUPS and len(loc) == 1:
        names = ", ".join(adapter_names(_GROUPS[key]))
        return loc, f'missing; add a [{key}] table with kind = "<adapter>", one of: {names}'
    if details["type"].startswith("union_tag"):
        tag = details.get("ctx", {}).get("tag")
        if tag is None:
            return (*loc, "kind"), f'required; add kind = "<kind>", one of: {", ".join(GATES)}'
        return (*loc, "kind"), f"unknown gate kind {tag!r}; {did_you_mean(str(tag), GATES)}"
    if missing and key == "kind" and loc[0] in _GROUPS:
        names = ", ".join(adapter_names(_GROUPS[str(loc[0])]))
        return loc, f'required; add kind = "<adapter>", one of: {names}'
    return loc, explain(details, model, key)


def _model_at(loc: Loc) -> tuple[Loc, type[BaseModel] | None]:
    """The error's location as the file spells it, and the model that holds the field."""
    if len(loc) >= 3 and loc[0] == "gate" and loc[2] in GATES:
        return (*loc[:2], *loc[3:]), GATES[str(loc[2])]
    models: dict[str | int, type[BaseModel]] = {
        "metric": MetricSpec,
        "judge": JudgeSpec,
        "ui": UiSettings,
        "deploy": AdapterTable,
        "metrics": AdapterTable,
    }
    inner = len(loc) > (2 if loc[:1] in (("metric",), ("gate",)) else 1)
    return loc, (models.get(loc[0]) if inner else Tables)


def _error(
    problem: str, loc: Loc, text: str, label: str, origins: Mapping[Loc, str]
) -> ConfigError:
    origin = origins.get(loc)
    if origin is not None:
        return ConfigError(problem, source=origin, field=field_name(loc))
    return ConfigError(
        problem, source=label, line=locate(loc, key_lines(text)), field=field_name(loc)
    )
