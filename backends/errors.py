"""The errors every adapter raises, so the session and the commands handle outside failures one way.

Each carries the outside system's own words in `detail`; `retryable` tells the session whether
trying again may help.
"""

from __future__ import annotations


class BackendError(Exception):
    """An outside system failed; `retryable` says whether trying again may help.

    `detail` carries the system's own words (Prometheus' errorType and error, the Kubernetes
    Status message) so that the user sees what the system said, not a paraphrase.
    """

    retryable = False

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.message}: {self.detail}" if self.detail else self.message


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
    """The system answered with something that cannot be understood (garbage JSON, bad query)."""


class Unsupported(BackendError):
    """The backend lacks the capability for this action."""
