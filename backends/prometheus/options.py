"""The `[metrics]` options of the Prometheus adapter and the client auth and TLS built from them.

Kept apart from the querying so the config checks (which options exclude each other) can be read
and tested without the HTTP and parsing code around them.
"""

from __future__ import annotations

import os
import ssl

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

from backends import connection as auth


class PrometheusOptions(BaseModel):
    """The `[metrics]` table of rollwatch.toml for `adapter = "prometheus"`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    timeout: float = Field(default=30.0, gt=0)
    token: SecretStr | None = None
    token_file: FilePath | None = None
    token_env: str | None = None
    username: str | None = None
    password: SecretStr | None = None
    password_env: str | None = None
    password_file: FilePath | None = None
    headers: dict[str, str] = Field(default_factory=dict, repr=False)
    ca_file: FilePath | None = None
    cert_file: FilePath | None = None
    key_file: FilePath | None = None
    verify: bool = True
    max_retries: int = Field(default=3, ge=0, le=10)
    revision_label: str | None = None

    @field_validator("url")
    @classmethod
    def _check_url(cls, url: str) -> str:
        return auth.base_url(url, credentials_hint="username and password_env")

    @field_validator("token_env", "password_env")
    @classmethod
    def _check_env(cls, name: str | None) -> str | None:
        return auth.env_is_set(name)

    @model_validator(mode="after")
    def _check_combinations(self) -> PrometheusOptions:
        tokens = auth.only_one(self, auth.TOKEN_OPTIONS)
        passwords = auth.only_one(self, ("password", "password_env", "password_file"))
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


def request_auth(options: PrometheusOptions) -> tuple[httpx.Auth | None, str]:
    """The request auth and a description of it that is safe to show."""
    bearer = auth.bearer(options.token, options.token_env, options.token_file)
    if bearer is not None:
        return bearer
    if options.username is not None:
        if options.password is not None:
            password = options.password.get_secret_value()
        elif options.password_file is not None:
            password = auth.read_secret(options.password_file)
        else:
            password = os.environ[str(options.password_env)]
        return httpx.BasicAuth(options.username, password), f"basic auth as {options.username}"
    return None, "no credentials"


def ssl_context(options: PrometheusOptions) -> ssl.SSLContext:
    """The system trust store (plus `ca_file`), so CAs installed on the host are honoured."""
    try:
        context = ssl.create_default_context(cafile=options.ca_file)
        if options.cert_file is not None:
            context.load_cert_chain(options.cert_file, options.key_file)
    except ssl.SSLError as exc:
        raise ValueError(f"cannot load ca_file, cert_file or key_file: {exc}") from exc
    if not options.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
