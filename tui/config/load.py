"""rollwatch.toml -> validated settings: adapters, metrics, gates, judge and UI.

Everything is validated up front, unknown keys included, so that a typo in a gate is an error
before the rollout starts rather than a gate that silently never fails. Adapter options are the
exception: they are passed through to the adapter, which knows its own options.

Where the file is found: `--config PATH`, else `$ROLLWATCH_CONFIG`, else ./rollwatch.toml, else
the user config dir ($XDG_CONFIG_HOME/rollwatch/rollwatch.toml, default ~/.config/...).
Environment overrides, for containers and CI where editing a file is awkward:
ROLLWATCH_DEPLOY_KIND sets [deploy] kind, ROLLWATCH_METRICS_URL sets [metrics] url,
ROLLWATCH_READ_ONLY=1 sets [ui] read_only.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping, MutableMapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from backends.registry import DEPLOY_GROUP, METRICS_GROUP, adapter_names
from tui.config.errors import ConfigError, Loc, explain, field_name, key_lines, locate
from tui.config.errors import syntax_error as _syntax_error
from tui.config.starter import starter
from tui.config.text import effective_config_text, parse_duration
from tui.judge.specs import (
    CompareGate,
    GateSpec,
    JudgeSpec,
    MetricSpec,
    RateGate,
    RelativeGate,
    ThresholdGate,
)

__all__ = [
    "AdapterTable",
    "Config",
    "ConfigError",
    "UiSettings",
    "demo_config",
    "effective_config_text",
    "load_config",
    "parse_config",
    "starter",
]

FILE_NAME = "rollwatch.toml"
ENV_CONFIG = "ROLLWATCH_CONFIG"
ENV_DEPLOY_KIND = "ROLLWATCH_DEPLOY_KIND"
ENV_METRICS_URL = "ROLLWATCH_METRICS_URL"
ENV_READ_ONLY = "ROLLWATCH_READ_ONLY"

_GROUPS = {"deploy": DEPLOY_GROUP, "metrics": METRICS_GROUP}
_GATES: dict[str, type[BaseModel]] = {
    "threshold": ThresholdGate,
    "relative": RelativeGate,
    "compare": CompareGate,
    "rate": RateGate,
}
_DURATIONS = {"metric": "resolution", "gate": "window", "judge": "bake", "ui": "window"}
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


class AdapterTable(BaseModel):
    """`[deploy]` or `[metrics]`: the adapter's entry-point name and its own options."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    options: dict[str, Any] = Field(default_factory=dict)


class UiSettings(BaseModel):
    """`[ui]`: what the screen shows and allows, the same for every rollout watched."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    read_only: bool = Field(False, description="Hide promote and abort (demos over SSH).")
    window: timedelta = Field(
        timedelta(minutes=15), gt=timedelta(0), description="How much history the graphs show."
    )
    theme: str | None = Field(None, description="A Textual theme name; default: the app's own.")
    keys: dict[str, str] = Field(
        default_factory=dict,
        description="Remapped keys by binding id: promote, promote-full, abort, help, quit.",
    )


class _Tables(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    deploy: AdapterTable
    metrics: AdapterTable
    metric: list[MetricSpec] = Field(default_factory=list)
    gate: list[GateSpec] = Field(default_factory=list)
    judge: JudgeSpec = Field(default_factory=JudgeSpec)
    ui: UiSettings = Field(default_factory=UiSettings)


class Config(_Tables):
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


def user_config_path(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_CONFIG_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return root / "rollwatch" / FILE_NAME


def _find(path: Path | None, env: Mapping[str, str]) -> Path:
    given = path or (Path(env[ENV_CONFIG]) if env.get(ENV_CONFIG) else None)
    if given is not None:
        if not given.exists():
            via = "" if path else f" (from ${ENV_CONFIG})"
            fix = f"create it with `rollwatch config init > {given}`"
            raise ConfigError(f"no such file{via}; {fix}", source=str(given))
        return given
    for candidate in (Path(FILE_NAME), user_config_path(env)):
        if candidate.is_file():
            return candidate
    raise ConfigError(
        f"no {FILE_NAME} here or in {user_config_path(env).parent}; create one with "
        f"`rollwatch config init > {FILE_NAME}`, or pass --config PATH"
    )


def parse_config(text: str, source: Path | None, *, env: Mapping[str, str] | None = None) -> Config:
    """Settings from TOML text; `source` names the file in errors and in the result."""
    label = str(source) if source else "starter"
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _syntax_error(error, label, text) from None
    origins = _override(raw, env or {})
    data = _shape(raw)
    try:
        tables = _Tables.model_validate(data)
    except ValidationError as error:
        loc, problem = _explain(error)
        raise _error(problem, loc, text, label, origins) from None
    problems = _cross_checks(tables)
    if problems:
        loc, problem = problems[0]
        raise _error(problem, loc, text, label, origins)
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
        if isinstance(section, MutableMapping):
            section[key] = value
            origins[(table, key)] = f"${name}"
    return origins


def _shape(raw: dict[str, Any]) -> dict[str, Any]:
    """Split adapter tables into kind + options and read "5m"-style durations."""
    data = dict(raw)
    for name in _GROUPS:
        table = data.get(name)
        if isinstance(table, dict):
            options = {k: v for k, v in table.items() if k != "kind"}
            data[name] = {"options": options} | ({"kind": table["kind"]} if "kind" in table else {})
    for name, key in _DURATIONS.items():
        tables = data.get(name)
        for table in tables if isinstance(tables, list) else [tables]:
            if not isinstance(table, dict):
                continue
            value = table.get(key)
            if isinstance(value, str) and (delta := parse_duration(value)) is not None:
                table[key] = delta
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
        kinds = ", ".join(_GATES)
        tag = details.get("ctx", {}).get("tag")
        if tag is None:
            return (*loc, "kind"), f'required; add kind = "<kind>", one of: {kinds}'
        close = difflib.get_close_matches(str(tag), list(_GATES), n=1)
        hint = f"did you mean {close[0]}?" if close else f"use one of: {kinds}"
        return (*loc, "kind"), f"unknown gate kind {tag!r}; {hint}"
    if missing and key == "kind" and loc[0] in _GROUPS:
        names = ", ".join(adapter_names(_GROUPS[str(loc[0])]))
        return loc, f'required; add kind = "<adapter>", one of: {names}'
    return loc, explain(details, model, key)


def _model_at(loc: Loc) -> tuple[Loc, type[BaseModel] | None]:
    """The error's location as the file spells it, and the model that holds the field."""
    if len(loc) >= 3 and loc[0] == "gate" and loc[2] in _GATES:
        return (*loc[:2], *loc[3:]), _GATES[str(loc[2])]
    models: dict[str | int, type[BaseModel]] = {
        "metric": MetricSpec,
        "judge": JudgeSpec,
        "ui": UiSettings,
        "deploy": AdapterTable,
        "metrics": AdapterTable,
    }
    inner = len(loc) > (2 if loc[:1] in (("metric",), ("gate",)) else 1)
    return loc, (models.get(loc[0]) if inner else _Tables)


def _cross_checks(tables: _Tables) -> list[tuple[Loc, str]]:
    """What each table is fine alone but wrong with the others: kinds, names, references."""
    problems: list[tuple[Loc, str]] = []
    for name, group in _GROUPS.items():
        kind = getattr(tables, name).kind
        known = adapter_names(group)
        if kind not in known:
            problems.append(
                ((name, "kind"), f"unknown {name} adapter {kind!r}; use one of: {', '.join(known)}")
            )
    metrics = {spec.name: spec for spec in tables.metric}
    for table, items in (("metric", tables.metric), ("gate", tables.gate)):
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            if item.name in seen:
                problems.append(
                    (
                        (table, index, "name"),
                        f"{item.name!r} is also {table}[{seen[item.name] + 1}]; names must differ",
                    )
                )
            seen.setdefault(item.name, index)
    for index, spec in enumerate(tables.metric):
        if not spec.split and "{revision}" in spec.query:
            problems.append(
                (
                    ("metric", index, "query"),
                    "uses {revision}, but split = false makes one series for both revisions; "
                    "drop {revision} or set split = true",
                )
            )
    for index, gate in enumerate(tables.gate):
        keys = ("numerator", "denominator") if isinstance(gate, RateGate) else ("metric",)
        for key in keys:
            problem = _reference(gate, getattr(gate, key), metrics)
            if problem:
                problems.append((("gate", index, key), problem))
    return problems


def _reference(gate: GateSpec, name: str, metrics: Mapping[str, MetricSpec]) -> str | None:
    spec = metrics.get(name)
    if spec is None:
        close = difflib.get_close_matches(name, list(metrics), n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"use one of: {', '.join(metrics)}"
        return f"no [[metric]] named {name!r}; {hint}" if metrics else "add a [[metric]] first"
    if not spec.split and not isinstance(gate, ThresholdGate):
        return (
            f"{name!r} is split = false (one series for both revisions), so a {gate.kind} gate "
            "cannot compare canary with stable; use a threshold gate"
        )
    return None


def _error(
    problem: str, loc: Loc, text: str, label: str, origins: Mapping[Loc, str]
) -> ConfigError:
    origin = origins.get(loc)
    if origin is not None:
        return ConfigError(problem, source=origin, field=field_name(loc))
    return ConfigError(
        problem, source=label, line=locate(loc, key_lines(text)), field=field_name(loc)
    )
