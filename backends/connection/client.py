"""The HTTP client the connection options describe: its credentials, its TLS and its headers.

Credentials are read when a request is signed, not when the config loads, so a rotated token
file (a service account's) keeps working; each comes with a description that is safe to show in
errors and reprs ("bearer token from $PROM_TOKEN"), never the secret itself.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable, Generator, Mapping
from pathlib import Path

import httpx

from backends.connection.options import ConnectionOptions
from backends.errors import Unauthorized


def read_secret(path: Path) -> str:
    """A secret file's content without the trailing newline that editors and `echo` add."""
    try:
        return path.read_text().strip()
    except OSError as exc:
        raise Unauthorized(f"cannot read the secret in {path}", detail=exc.strerror) from exc


class BearerAuth(httpx.Auth):
    """Reads the token per request, so a rotated token file keeps working."""

    def __init__(self, token: Callable[[], str]) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token()}"
        yield request


def _bearer(options: ConnectionOptions) -> tuple[httpx.Auth, str] | None:
    """A token from the environment is stripped like one from a file: a trailing newline would
    make the header illegal, and httpx's error for that quotes the header, token and all."""
    if options.token is not None:
        value = options.token.get_secret_value()
        return BearerAuth(lambda: value), "bearer token"
    if options.token_env is not None:
        value = os.environ[options.token_env].strip()
        return BearerAuth(lambda: value), f"bearer token from ${options.token_env}"
    if options.token_file is not None:
        path = options.token_file
        return BearerAuth(lambda: read_secret(path)), f"bearer token from {path}"
    return None


def _basic(options: ConnectionOptions) -> tuple[httpx.Auth, str] | None:
    if options.username is None:
        return None
    if options.password is not None:
        password = options.password.get_secret_value()
    elif options.password_file is not None:
        password = read_secret(options.password_file)
    else:
        password = os.environ[str(options.password_env)]
    return httpx.BasicAuth(options.username, password), f"basic auth as {options.username}"


def credentials(options: ConnectionOptions) -> tuple[httpx.Auth | None, str]:
    """The request auth and a description of it that is safe to show."""
    return _bearer(options) or _basic(options) or (None, "no credentials")


def ssl_context(options: ConnectionOptions) -> ssl.SSLContext:
    """The system trust store plus `ca_file`, so a CA installed on the host is honoured."""
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


def open_client(
    options: ConnectionOptions, *, headers: Mapping[str, str] | None = None, base_url: str = ""
) -> tuple[httpx.AsyncClient, str]:
    """The client for `options` and the safe description of its credentials.

    `headers` are the adapter's own (an Accept); the user's `headers` option comes on top, as
    the user knows what their proxy wants.
    """
    auth, description = credentials(options)
    client = httpx.AsyncClient(
        base_url=base_url,
        auth=auth,
        headers={**(headers or {}), **options.headers},
        timeout=options.timeout,
        verify=ssl_context(options),
    )
    return client, description
