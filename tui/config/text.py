"""Durations as people write them, and the effective config written back as TOML.

`rollwatch config check` prints what rollwatch will actually use (defaults filled in) so a user
can see why a gate behaves as it does; the output is itself a valid rollwatch.toml. Secrets are
masked on the way out, because that output ends up in terminals, tickets and screen shares.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from datetime import date, time, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.config.load import Config

MASK = "***"

_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?")
_SECRET_WORDS = (
    "token",
    "password",
    "passwd",
    "secret",
    "api_key",
    "apikey",
    "api-key",
    "bearer",
    "authorization",
    "credential",
    "private_key",
    "cookie",
)
_URL_PASSWORD = re.compile(r"(://[^/@:\s]*):[^/@\s]+@")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def parse_duration(text: str) -> timedelta | None:
    """`30s`, `5m`, `1h30m` (spaces allowed); None when the text is not such a duration."""
    found = _DURATION.fullmatch(text.replace(" ", ""))
    if found is None or not any(found.groups()):
        return None
    hours, minutes, seconds = (float(part or 0) for part in found.groups())
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


def duration_text(delta: timedelta) -> str:
    """The shortest exact form `parse_duration` reads back: `5m`, `1h30m`, `0.5s`."""
    seconds = delta.total_seconds()
    if seconds <= 0 or seconds != int(seconds):
        return f"{seconds:g}s"
    hours, rest = divmod(int(seconds), 3600)
    minutes, seconds_left = divmod(rest, 60)
    parts = ((hours, "h"), (minutes, "m"), (seconds_left, "s"))
    return "".join(f"{n}{unit}" for n, unit in parts if n)


def is_secret_key(key: str) -> bool:
    """Keys whose values are credentials; `*_env` and `*_file` only name where one is kept."""
    lowered = key.lower()
    if lowered.endswith(("_env", "_file")):
        return False
    return any(word in lowered for word in _SECRET_WORDS)


def inline_secrets(config: Config) -> list[str]:
    """One warning per credential written in the file itself, naming where to keep it instead."""
    found: list[str] = []
    for table in ("deploy", "metrics"):
        found.extend(_secret_warnings(getattr(config, table).options, table))
    return found


def _secret_warnings(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            inner = f"{path}.{key}"
            if not is_secret_key(str(key)) or item in (None, ""):
                yield from _secret_warnings(item, inner)
            elif item == MASK:
                yield f"{inner} is {MASK}, the mask `config check` prints, not the secret itself"
            elif inner.count(".") == 1:
                yield f"{inner} is a secret written in the file; set {key}_env or {key}_file"
            else:
                yield f"{inner} is a secret written in the file; move it out of the file"
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _secret_warnings(item, f"{path}[{index + 1}]")
    elif isinstance(value, str) and _URL_PASSWORD.search(value):
        yield f"{path} has a password in the URL; use the adapter's *_env or *_file options"


def masked(value: Any) -> Any:
    """A copy of adapter options with every credential replaced by `***`."""
    if isinstance(value, Mapping):
        return {
            key: MASK if is_secret_key(str(key)) and item is not None else masked(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [masked(item) for item in value]
    if isinstance(value, str):
        return _URL_PASSWORD.sub(rf"\1:{MASK}@", value)
    return value


def effective_config_text(config: Config) -> str:
    """The config as TOML, defaults filled in, secrets masked, `*_env`/`*_file` left as names."""
    origin = f" from {config.source}" if config.source else ""
    lines = [
        f"# The configuration rollwatch uses{origin}:",
        f'# defaults filled in, secrets shown as "{MASK}".',
    ]
    for name in ("deploy", "metrics"):
        adapter = getattr(config, name)
        options = {"kind": adapter.kind, **masked(adapter.options)}
        lines += ["", f"[{name}]", *_pairs(options)]
    for metric in config.metric:
        lines += ["", "[[metric]]", *_pairs(metric.model_dump())]
    for gate in config.gate:
        fields = gate.model_dump()
        first = {"name": fields.pop("name"), "kind": fields.pop("kind")}
        lines += ["", "[[gate]]", *_pairs({**first, **fields})]
    lines += ["", "[judge]", *_pairs(config.judge.model_dump())]
    lines += ["", "[ui]", *_pairs(config.ui.model_dump())]
    return "\n".join(lines) + "\n"


def _pairs(fields: Mapping[str, Any]) -> list[str]:
    """`key = value` lines; None has no TOML form and means "not set", so it is left out."""
    return [f"{_key(key)} = {_value(value)}" for key, value in fields.items() if value is not None]


def _key(key: object) -> str:
    text = str(key)
    return text if _BARE_KEY.fullmatch(text) else json.dumps(text, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return repr(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
        if seconds < 0 or seconds != int(seconds):
            return _value(seconds)
        return _value(duration_text(value))
    if isinstance(value, str):
        if "\n" in value and "'''" not in value:
            return f"'''\n{value}'''"
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Mapping):
        inner = ", ".join(_pairs(value))
        return f"{{ {inner} }}" if inner else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    return _value(str(value))
