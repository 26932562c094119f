"""What an HTTP failure becomes: one of the project's errors, in words that say what to change.

A 401 names the credentials that were sent, a 404 the URL that was tried, a certificate the
client does not trust the option that fixes it; the server's own words follow as `detail`,
shortened, so a proxy's HTML page cannot flood the screen.
"""

from __future__ import annotations

import ssl

import httpx

from backends.errors import (
    BackendError,
    BadResponse,
    Conflict,
    NotFound,
    Unauthorized,
    Unreachable,
    Unsupported,
)

SNIPPET = 300
"""Characters of a body shown in an error: enough for a message, not for a page."""


def snippet(text: str) -> str:
    """The body on one line, cut at SNIPPET characters."""
    text = " ".join(text.split())
    return text[:SNIPPET] + ("…" if len(text) > SNIPPET else "")


def tls_failure(exc: BaseException) -> ssl.SSLError | None:
    """The TLS error behind a transport failure, if that is what it was: waiting will not fix it."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return cause
        cause = cause.__cause__ or cause.__context__
    return None


NO_ANSWER = (httpx.TransportError, ssl.SSLError)
"""What a request that got no answer raises: httpx leaves a TLS alert that arrives while the
answer is read (a server that wants a client certificate, under TLS 1.3) as a bare SSLError."""


def unreachable(
    exc: httpx.TransportError | ssl.SSLError, *, url: str, what: str, timeout: float
) -> Unreachable:
    """A request that got no answer: a timeout, a TLS refusal or no connection at all."""
    if isinstance(exc, httpx.TimeoutException):
        return Unreachable(f"{url} did not answer {what} within {timeout:g}s")
    if tls := tls_failure(exc):
        fix = (
            "set cert_file and key_file to a client certificate it accepts"
            if "CERTIFICATE_REQUIRED" in str(tls) or "CERTIFICATE_UNKNOWN" in str(tls)
            else "set ca_file to the server's CA (or verify = false for a test setup)"
        )
        return Unreachable(f"TLS to {url} failed; {fix}", detail=str(tls))
    return Unreachable(f"cannot reach {url}", detail=str(exc) or type(exc).__name__)


def status_error(
    code: int,
    *,
    url: str,
    endpoint: str,
    api: str,
    what: str,
    auth: str,
    detail: str | None,
) -> BackendError:
    """The error for an HTTP status that the adapter does not read a meaning of its own into.

    Args:
        url: the base URL from the options, as the user wrote it.
        endpoint: the URL that answered 404, to show what `url` led to.
        api: what was expected there ("deploy API", "query API").
        what: the request, as a noun ("the rollout list").
        auth: the safe description of the credentials sent.
        detail: the server's words (a snippet of its body).
    """
    if code in (401, 403):
        return Unauthorized(f"{url} refused {what} (HTTP {code}, {auth})", detail=detail)
    if code == 404:
        return NotFound(
            f"no {api} at {endpoint} (HTTP 404); url should be the base URL, without /api/v1",
            detail=detail,
        )
    if code == 409:
        return Conflict(f"{what} was refused: the rollout moved on", detail=detail)
    if code in (405, 501):
        return Unsupported(f"{url} does not support {what}", detail=detail)
    if code == 429 or code >= 500:
        return Unreachable(f"{url} failed {what} (HTTP {code})", detail=detail)
    return BadResponse(f"{url} rejected {what} (HTTP {code})", detail=detail)
