"""The options every adapter that speaks HTTP takes: where the server is and how to reach it.

The deploy API and the metrics store sit behind the same kinds of things (a token, basic auth, a
tenant header, a private CA, a client certificate), so their `[deploy]` and `[metrics]` tables take
the same option names under the same rules: a token set up for one works the same way for the
other and fails with the same words. An adapter's own options model extends this one.
"""

from __future__ import annotations

import os
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

TOKEN_OPTIONS = ("token", "token_env", "token_file")
PASSWORD_OPTIONS = ("password", "password_env", "password_file")


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
        parsed = httpx.URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise ValueError(f"must be an http:// or https:// URL with a host, not {url!r}")
        if parsed.userinfo:
            raise ValueError(
                "must not carry credentials; use token_env or token_file, or username and "
                "password_env, instead"
            )
        return url.rstrip("/")

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
