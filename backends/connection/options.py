"""The options every adapter that speaks HTTP takes: where the server is and how to reach it.

The deploy API and the metrics store sit behind the same kinds of things (a token, basic auth, a
tenant header, a private CA, a client certificate), so their `[deploy]` and `[metrics]` tables take
the same option names under the same rules: a token set up for one works the same way for the
other and fails with the same words. An adapter's own options model extends this one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

import httpx
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    FilePath,
    SecretStr,
    field_validator,
    model_validator,
)

from backends.text_safety import printable, without_password

TOKEN_OPTIONS = ("token", "token_env", "token_file")
PASSWORD_OPTIONS = ("password", "password_env", "password_file")

_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEADER_VALUE_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f]")


def check_url(url: str) -> str:
    """An http(s) URL with a host and a real port, or ValueError saying so.

    The message shows the URL with its password masked: it is quoted exactly when it is wrong,
    and a mistyped URL may still carry one.
    """
    shown = repr(printable(without_password(url)))
    try:
        parsed = httpx.URL(url)
        port = parsed.port
    except httpx.InvalidURL as exc:
        # httpx's reason may quote the part it choked on, which may be the password.
        reason = "" if "@" in url else f" ({printable(str(exc))})"
        raise ValueError(f"must be an http:// or https:// URL, not {shown}{reason}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(f"must be an http:// or https:// URL with a host, not {shown}")
    if port is not None and not 0 < port < 65536:
        raise ValueError(f"the port must be between 1 and 65535, not {port} (in {shown})")
    return url


class ConnectionOptions(BaseModel):
    """URL, timeout, credentials and TLS; unknown keys are refused so a typo cannot go unnoticed.

    Secrets are `SecretStr` and `headers` (which may hold an API key) is left out of the repr, so
    neither reaches a log line or an error message.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(description="Base URL of the server, without /api/v1.")
    timeout: float = Field(default=10.0, gt=0, description="Seconds to wait for an answer.")
    token: SecretStr | None = None
    token_env: str | None = None
    token_file: FilePath | None = Field(None, description="Re-read on every request.")
    username: str | None = Field(None, description="Basic auth, with one of the password options.")
    password: SecretStr | None = None
    password_env: str | None = None
    password_file: FilePath | None = None
    headers: dict[str, str] = Field(
        default_factory=dict, repr=False, description="Sent with every request (a tenant id)."
    )
    ca_file: FilePath | None = Field(None, description="A private CA, added to the system's.")
    cert_file: FilePath | None = Field(None, description="A client certificate (mutual TLS).")
    key_file: FilePath | None = Field(None, description="The client certificate's key.")
    verify: bool = Field(True, description="false skips the server's certificate check.")

    @field_validator("url")
    @classmethod
    def _check_url(cls, url: str) -> str:
        """An http(s) base URL without credentials in it: they would end up in logs and errors."""
        parsed = httpx.URL(check_url(url))
        if parsed.userinfo:
            raise ValueError(
                "must not carry credentials; use token_env or token_file, or username and "
                "password_env, instead"
            )
        return url.rstrip("/")

    @field_validator("headers")
    @classmethod
    def _check_headers(cls, headers: dict[str, str]) -> dict[str, str]:
        """Names as HTTP allows them; values without line breaks, which would end the header
        (and make httpx's error quote it). A value is never quoted back: it may be a key."""
        for name, value in headers.items():
            if not _HEADER_NAME.fullmatch(name):
                raise ValueError(f"{printable(name)!r} is not an HTTP header name")
            if _HEADER_VALUE_UNSAFE.search(value):
                raise ValueError(
                    f"the value of header {name} holds a line break or control character"
                )
        return headers

    @field_validator("token_env", "password_env")
    @classmethod
    def _check_env(cls, name: str | None) -> str | None:
        """Check an `*_env` option when the config loads, rather than fail on the first request."""
        if name is not None and not os.environ.get(name, "").strip():
            raise ValueError(f"environment variable {name} is not set or empty")
        return name

    @model_validator(mode="after")
    def _check_combinations(self) -> ConnectionOptions:
        tokens = self._only_one(TOKEN_OPTIONS)
        passwords = self._only_one(PASSWORD_OPTIONS)
        if tokens and (passwords or self.username):
            raise ValueError(f"{tokens[0]} (bearer) and username (basic auth) exclude each other")
        if bool(passwords) != bool(self.username):
            raise ValueError(
                "basic auth needs both username and one of password, password_env, password_file"
            )
        if (tokens or passwords) and any(h.lower() == "authorization" for h in self.headers):
            raise ValueError("headers.Authorization conflicts with the token or basic auth options")
        if self.key_file and not self.cert_file:
            raise ValueError("key_file needs cert_file")
        if self.ca_file and not self.verify:
            raise ValueError("ca_file is ignored when verify = false; drop one of them")
        return self

    def _only_one(self, names: Sequence[str]) -> list[str]:
        """Which of `names` are set; more than one is ambiguous, so it is an error naming them."""
        given = [name for name in names if getattr(self, name) is not None]
        if len(given) > 1:
            raise ValueError(f"set only one of {', '.join(given)}")
        return given
