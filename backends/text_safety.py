"""Text from outside made safe to print: no terminal control, no configured secret.

Whatever a server sends (an error body, a step label, a Kubernetes Status message) ends up in
a terminal, in a log, on a shared screen. Two things must never come along: control characters
and escape sequences, which retitle, clear or rewrite the terminal (ESC]0;...BEL, ESC[2J, a bare
CR that overwrites the line, a bidi override that reorders it), and the credentials rollwatch
itself sent, which a server may quote back ("invalid header Authorization: Bearer ...").

Both live here, beside the adapters, because the adapters are the first to hold such text and
must clean the errors they raise; the commands and the screens apply the same two functions
to everything else they print.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from urllib.parse import quote

MASK = "***"
"""What a secret is replaced with; the config printout uses the same mark."""

SECRET_WORDS = (
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
"""Words that make a name (a config key, an HTTP header) hold a credential."""

_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
"""C0 and C1 controls (ESC, BEL, CR, CSI), bidi marks and overrides, line and paragraph
separators, and lone surrogates (which a JSON string may carry and no terminal can encode)."""

_LINE_BREAKS = re.compile("\r\n|[\n\r\u2028\u2029]")
_SPACES = frozenset("\t\n\r\x0b\x0c\u2028\u2029")


def _visible(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _one_line(match: re.Match[str]) -> str:
    char = match.group()
    return " " if char in _SPACES else _visible(char)


def _keep_tabs(match: re.Match[str]) -> str:
    char = match.group()
    return char if char == "\t" else _visible(char)


def printable(text: str, *, multiline: bool = False) -> str:
    """`text` with nothing a terminal would act on, and nothing it cannot encode.

    One line (the default): tabs, line breaks and other whitespace controls become a space, so
    a server cannot start a line that looks like rollwatch's own; every other control character
    is shown escaped (ESC as the four characters `\\x1b`), so what the server tried is visible
    rather than done. `multiline` keeps line breaks (CRLF, CR, U+2028/9 become LF) and tabs.
    """
    if multiline:
        lines = _LINE_BREAKS.split(text)
        return "\n".join(_UNSAFE.sub(_keep_tabs, line) for line in lines)
    return _UNSAFE.sub(_one_line, text)


def is_secret_name(name: str) -> bool:
    """Whether a name says its value is a credential: `token`, `X-Api-Key`, `Cookie`, ..."""
    lowered = name.lower()
    return any(word in lowered for word in SECRET_WORDS)


def without_password(url: str) -> str:
    """`url` with the password (or a lone userinfo token) before its host replaced by MASK.

    Works on any text that looks like a URL, valid or not, because it is used on exactly the
    URLs that failed to parse: a password holding a `/` that was not percent-encoded is still
    found, at the price of masking a path's `:...@` in the rare URL that has one.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    end = min((i for i in (rest.find(c) for c in "?# ") if i >= 0), default=len(rest))
    at = rest.rfind("@", 0, end)
    if at < 0:
        return url
    userinfo = rest[:at]
    user, colon, _ = userinfo.partition(":")
    if colon:
        return f"{scheme}://{user}:{MASK}{rest[at:]}"
    if "/" in userinfo:
        return url
    return f"{scheme}://{MASK}{rest[at:]}"


def _forms(secret: str) -> set[str]:
    """The ways a secret can come back in text: as sent, escaped by JSON, by a Python repr (as
    httpx quotes an illegal header), percent-encoded (a URL), and made printable and squeezed
    onto one line (as an error message shows it)."""
    forms = {
        secret,
        json.dumps(secret)[1:-1],
        repr(secret)[1:-1],
        repr(secret.encode("utf-8", "surrogatepass"))[2:-1],
        quote(secret, safe=""),
        printable(secret),
        " ".join(secret.split()),
    }
    return {form for form in forms if form.strip()}


class SecretMask:
    """Replaces every configured secret, in each of its forms, with MASK.

    Secrets are added as they become known (a token file is re-read on every request, so a
    rotated token joins when it is first sent); basic auth adds its password and the base64
    `user:password` an `Authorization: Basic` header carries. Longer forms are replaced first,
    so a secret that contains another is hidden whole.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._forms: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        if not secret.strip():
            return
        new = _forms(secret) - self._forms
        if new:
            self._forms |= new
            self._pattern = None

    def add_basic(self, username: str, password: str) -> None:
        """A basic-auth pair: the password, and the header's base64 of `user:password`."""
        self.add(password)
        for encoding in ("utf-8", "latin-1"):
            try:
                pair = f"{username}:{password}".encode(encoding)
            except UnicodeEncodeError:
                continue
            self.add(base64.b64encode(pair).decode("ascii"))

    def merged(self, *others: SecretMask) -> SecretMask:
        """One mask hiding what this one and `others` hide (a command's deploy and metrics)."""
        mask = SecretMask()
        for one in (self, *others):
            mask._forms |= one._forms
        return mask

    def __bool__(self) -> bool:
        return bool(self._forms)

    def __call__(self, text: str) -> str:
        if not self._forms:
            return text
        if self._pattern is None:
            ordered = sorted(self._forms, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(form) for form in ordered))
        return self._pattern.sub(MASK, text)

    def __repr__(self) -> str:
        return f"SecretMask({len(self._forms)} forms)"


def safe(text: str, mask: SecretMask | None = None, *, multiline: bool = False) -> str:
    """Outside text ready to print: secrets masked first (while they are still whole), then
    made printable."""
    return printable(mask(text) if mask else text, multiline=multiline)
