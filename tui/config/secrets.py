"""Credentials in a config: which keys hold them, masking them, and warning when they are inline.

What `config check` prints and what a config error quotes ends up in terminals, tickets and
screen shares, so every value that may be a credential is masked on the way out; `secret_mask`
gathers the credentials themselves, so that whatever a command or the screen prints (a server's
words included) can be masked too.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from backends.text_safety import MASK, SecretMask, is_secret_name

if TYPE_CHECKING:
    from tui.config.load import Config

_URL_PASSWORD = re.compile(r"(://[^/@:\s]*):[^/@\s]+@")
_KEPT_ELSEWHERE = ("_env", "_file")


def is_secret_key(key: str) -> bool:
    """Keys whose values are credentials; `*_env` and `*_file` only name where one is kept."""
    if key.lower().endswith(_KEPT_ELSEWHERE):
        return False
    return is_secret_name(key)


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


def secret_mask(config: Config, env: Mapping[str, str] | None = None) -> SecretMask:
    """A mask for every credential `[deploy]` and `[metrics]` hold or point at.

    Written in the file, kept in the environment variable a `*_env` key names, or in the file a
    `*_file` key names (read now; a token file that rotates is masked by its adapter as it is
    sent); a username's basic-auth pair; secret-named headers; a URL's password.
    """
    mask = SecretMask()
    for table in (config.deploy, config.metrics):
        _gather(table.options, mask, os.environ if env is None else env)
    return mask


def _gather(value: Any, mask: SecretMask, env: Mapping[str, str]) -> None:
    if isinstance(value, list):
        for item in value:
            _gather(item, mask, env)
    if not isinstance(value, Mapping):
        return
    found: dict[str, str] = {}
    for key, item in value.items():
        name = str(key)
        if isinstance(item, str) and is_secret_key(name):
            found[name] = item
        elif isinstance(item, str) and name.endswith(_KEPT_ELSEWHERE):
            stem, _, where = name.rpartition("_")
            if is_secret_key(stem):
                found[stem] = _kept(where, item, env)
        elif isinstance(item, str) and "://" in item:
            with contextlib.suppress(ValueError):
                found[f"{name} password"] = urlsplit(item).password or ""
        else:
            _gather(item, mask, env)
    for secret in found.values():
        mask.add(secret)
    username, password = value.get("username"), found.get("password")
    if isinstance(username, str) and password:
        mask.add_basic(username, password)


def _kept(where: str, name: str, env: Mapping[str, str]) -> str:
    """The secret an environment variable or a file holds, or "" when it cannot be read."""
    if where == "env":
        return env.get(name, "").strip()
    try:
        return Path(name).read_text().strip()
    except (OSError, UnicodeDecodeError):
        return ""
