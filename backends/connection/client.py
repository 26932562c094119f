"""The HTTP client the connection options describe: its credentials, its TLS and its headers.

Credentials are read when a request is signed, not when the config loads, so a rotated token
file (a service account's) keeps working; each comes with a description that is safe to show in
errors and reprs ("bearer token from $PROM_TOKEN"), never the secret itself, and joins the
connection's SecretMask, which hides it wherever a server quotes it back.
"""

from __future__ import annotations

import os
import re
import ssl
from collections.abc import Callable, Generator, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import httpx

from backends.connection.options import ConnectionOptions
from backends.errors import BackendError, Unauthorized
from backends.text_safety import SecretMask, is_secret_name

_HEADER_UNSAFE = re.compile("[\x00-\x1f\x7f]")
"""Characters a header value cannot carry: a line break in a token would end the header."""


def read_secret(path: Path) -> str:
    """A secret file's content without the trailing newline that editors and `echo` add."""
    try:
        return path.read_text().strip()
    except OSError as exc:
        raise Unauthorized(f"cannot read the secret in {path}", detail=exc.strerror) from exc


class BearerAuth(httpx.Auth):
    """Reads the token per request, so a rotated token file keeps working; every token sent
    joins `mask`, so a server that quotes it back shows `***`."""

    def __init__(self, token: Callable[[], str], description: str, mask: SecretMask) -> None:
        self._token = token
        self._description = description
        self._mask = mask

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._token()
        self._mask.add(token)
        if _HEADER_UNSAFE.search(token):
            # httpx's own error for an illegal header quotes the header, token and all.
            raise Unauthorized(
                f"the {self._description} holds a line break or control character; "
                "it cannot be sent in a header"
            )
        request.headers["Authorization"] = f"Bearer {token}"
        yield request


def _bearer(options: ConnectionOptions, mask: SecretMask) -> tuple[httpx.Auth, str] | None:
    """A token from the environment is stripped like one from a file: a trailing newline is
    what `echo` and editors add, not part of the token."""
    if options.token is not None:
        value = options.token.get_secret_value()
        description = "bearer token"
        return BearerAuth(lambda: value, description, mask), description
    if options.token_env is not None:
        value = os.environ[options.token_env].strip()
        description = f"bearer token from ${options.token_env}"
        return BearerAuth(lambda: value, description, mask), description
    if options.token_file is not None:
        path = options.token_file
        description = f"bearer token from {path}"
        return BearerAuth(lambda: read_secret(path), description, mask), description
    return None


def _basic(options: ConnectionOptions, mask: SecretMask) -> tuple[httpx.Auth, str] | None:
    if options.username is None:
        return None
    if options.password is not None:
        password = options.password.get_secret_value()
    elif options.password_file is not None:
        password = read_secret(options.password_file)
    else:
        password = os.environ[str(options.password_env)]
    mask.add_basic(options.username, password)
    return httpx.BasicAuth(options.username, password), f"basic auth as {options.username}"


def secret_headers(headers: Mapping[str, str], mask: SecretMask) -> None:
    """Header values whose name says they are a credential (`X-Api-Key`, `Cookie`) join `mask`;
    a tenant id (`X-Scope-OrgID`) is not a secret and stays readable."""
    for name, value in headers.items():
        if is_secret_name(name):
            mask.add(value)


def credentials(options: ConnectionOptions) -> tuple[httpx.Auth | None, str, SecretMask]:
    """The request auth, a description of it that is safe to show, and the mask that hides
    every credential the options hold: the token, the password and its base64 pair, secret
    headers."""
    mask = SecretMask()
    secret_headers(options.headers, mask)
    auth, description = _bearer(options, mask) or _basic(options, mask) or (None, "no credentials")
    return auth, description, mask


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


class Connection(NamedTuple):
    """An open client with what errors about it may show: `auth` describes the credentials
    safely, `mask` hides the credentials themselves."""

    client: httpx.AsyncClient
    auth: str
    mask: SecretMask


def open_client(
    options: ConnectionOptions, *, headers: Mapping[str, str] | None = None, base_url: str = ""
) -> Connection:
    """The client for `options`, the safe description of its credentials and their mask.

    `headers` are the adapter's own (an Accept); the user's `headers` option comes on top, as
    the user knows what their proxy wants.
    """
    auth, description, mask = credentials(options)
    client = httpx.AsyncClient(
        base_url=base_url,
        auth=auth,
        headers={**(headers or {}), **options.headers},
        timeout=options.timeout,
        verify=ssl_context(options),
    )
    return Connection(client, description, mask)


@contextmanager
def secrets_hidden(mask: SecretMask) -> Iterator[None]:
    """Every BackendError raised inside has the credentials `mask` knows masked on its way out.

    The adapters wrap their public calls in this, so a 401 body that quotes the Authorization
    header, or a transport error that quotes a URL, reaches the screen with `***` instead.
    """
    try:
        yield
    except BackendError as error:
        error.hide(mask)
        raise
