"""Bearer tokens for the adapters that speak HTTP: the options' rules and the request auth.

rollwatch.toml names where a token is kept (an environment variable, a file), and the deploy API
and the metrics store take the same three options under the same rules, so a token set up for
one works the same way for the other and fails with the same words.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Sequence
from pathlib import Path

import httpx
from pydantic import BaseModel, SecretStr

from backends.errors import Unauthorized

TOKEN_OPTIONS = ("token", "token_env", "token_file")


def base_url(url: str, *, credentials_hint: str) -> str:
    """An http(s) base URL without credentials in it: they would end up in logs and errors."""
    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(f"must be an http:// or https:// URL with a host, not {url!r}")
    if parsed.userinfo:
        raise ValueError(f"must not carry credentials; use {credentials_hint} instead")
    return url.rstrip("/")


def env_is_set(name: str | None) -> str | None:
    """Check an `*_env` option when the config loads, rather than fail on the first request."""
    if name is not None and not os.environ.get(name, "").strip():
        raise ValueError(f"environment variable {name} is not set or empty")
    return name


def only_one(options: BaseModel, names: Sequence[str]) -> list[str]:
    """Which of `names` are set; more than one is ambiguous, so it is an error naming them."""
    given = [name for name in names if getattr(options, name) is not None]
    if len(given) > 1:
        raise ValueError(f"set only one of {', '.join(given)}")
    return given


def read_secret(path: Path) -> str:
    """A secret file's content without the trailing newline that editors and `echo` add."""
    try:
        return path.read_text().strip()
    except OSError as exc:
        raise Unauthorized(f"cannot read the secret in {path}", detail=exc.strerror) from exc


class BearerAuth(httpx.Auth):
    """Reads the token per request, so a rotated token file (a service account's) keeps working."""

    def __init__(self, token: Callable[[], str]) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token()}"
        yield request


def bearer(
    token: SecretStr | None, token_env: str | None, token_file: Path | None
) -> tuple[httpx.Auth, str] | None:
    """The auth for the token option that is set and a description safe to show; None if none.

    A token from the environment is stripped like one from a file: a trailing newline would make
    the header illegal, and httpx's error for that quotes the header, token and all.
    """
    if token is not None:
        value = token.get_secret_value()
        return BearerAuth(lambda: value), "bearer token"
    if token_env is not None:
        value = os.environ[token_env].strip()
        return BearerAuth(lambda: value), f"bearer token from ${token_env}"
    if token_file is not None:
        path = token_file
        return BearerAuth(lambda: read_secret(path)), f"bearer token from {path}"
    return None
