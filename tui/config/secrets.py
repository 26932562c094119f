"""Credentials in a config: which keys hold them, masking them, and warning when they are inline.

What `config check` prints and what a config error quotes ends up in terminals, tickets and
screen shares, so every value that may be a credential is masked on the way out.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.config.load import Config

MASK = "***"

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


def is_secret_key(key: str) -> bool:
    """Keys whose values are credentials; `*_env` and `*_file` only name where one is kept."""
    lowered = key.lower()
    if lowered.endswith(("_env", "_file")):
        return False
    return any(word in lowered for word in _SECRET_WORDS)


def masked(value: Any) -> Any:
    """A copy with every credential replaced by `***`: secret keys' values, URL passwords."""
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


def shown(value: object, limit: int = 60) -> str:
    """A value quoted for a one-line message: masked, and cut short (a file may hold megabytes)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if not isinstance(value, str | int | float):
        return type(value).__name__
    text = json.dumps(masked(value))
    cut = '..."' if text.endswith('"') else "..."
    return text if len(text) <= limit else text[: limit - len(cut)] + cut


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
