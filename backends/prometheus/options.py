"""The `[metrics]` options of the Prometheus adapter: the connection options and what PromQL adds.

Kept apart from the querying so the options can be read and tested without the HTTP and parsing
code around them.
"""

from __future__ import annotations

from pydantic import Field

from backends.connection.options import ConnectionOptions


class PrometheusOptions(ConnectionOptions):
    """The `[metrics]` table of rollwatch.toml for `adapter = "prometheus"`."""

    timeout: float = Field(
        default=30.0, gt=0, description="Seconds to wait for an answer; range queries take long."
    )
    max_retries: int = Field(default=3, ge=0, le=10)
    revision_label: str | None = None
