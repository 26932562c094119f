"""The errors every adapter raises, so the session and the commands handle outside failures one way.

Each carries the outside system's own words in `detail`; `retryable` tells the session whether
trying again may help. Those words come from outside, so an error keeps them printable from the
start, and the adapter that raises it masks the credentials it sent (`hide`).
"""

from __future__ import annotations

from backends.text_safety import SecretMask, printable


class BackendError(Exception):
    """An outside system failed; `retryable` says whether trying again may help.

    `detail` carries the system's own words (Prometheus' errorType and error, the Kubernetes
    Status message) so that the user sees what the system said, not a paraphrase.
    """

    retryable = False

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        message = printable(message)
        super().__init__(message)
        self.message = message
        self.detail = printable(detail) if detail is not None else None

    def __str__(self) -> str:
        return f"{self.message}: {self.detail}" if self.detail else self.message

    def hide(self, mask: SecretMask) -> None:
        """Mask the credentials `mask` knows in the message and the detail, in place, so the
        error can be re-raised as it is."""
        self.message = mask(self.message)
        self.detail = mask(self.detail) if self.detail is not None else None
        self.args = (self.message,)


class Unreachable(BackendError):
    """Connection refused, timed out, DNS failure, 5xx: the system may come back."""

    retryable = True


class Unauthorized(BackendError):
    """401 or 403: credentials are missing, expired or not allowed to do this."""


class NotFound(BackendError):
    """The rollout (or the endpoint) does not exist."""


class Conflict(BackendError):
    """The rollout moved on since the user looked: their confirmation no longer applies."""


class BadResponse(BackendError):
    """The system answered with something that cannot be understood (garbage JSON, bad query),
    or more of it than rollwatch reads (a body, a line or an event over its limit)."""


class InvalidId(BackendError, ValueError):
    """A rollout id no backend may put in a URL: a `.` or `..` part, an empty part, a control
    character, or one absurdly long. Nothing was sent."""


class Unsupported(BackendError):
    """The backend lacks the capability for this action."""
