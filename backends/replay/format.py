"""The recording format: one JSON object per line, each stamped with the clock's time `t`.

A recording holds what a session saw from its backends (rollout snapshots, metric answers, the
failures), which is what a replay serves back, and what the session made of it (gate results,
events, actions), which a person reads after an incident. The first line says what was recorded
and with which settings; settings are the session's to read, opaque here. Nothing a backend was
sent is written: no URL, header, token or query, only what came back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from backends.model import Expectation, GateResult, QueryResult, Rollout, RolloutEvent

VERSION = 1


class _Line(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    t: float


class Header(_Line):
    """What was recorded: the rollout opened first, and the settings it was judged with."""

    kind: Literal["recording"] = "recording"
    version: int = VERSION
    rollout: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict)


class RolloutLine(_Line):
    """A snapshot the deploy backend answered or streamed."""

    kind: Literal["rollout"] = "rollout"
    rollout: Rollout


class MetricsLine(_Line):
    """What the metrics store answered for one metric of one service."""

    kind: Literal["metrics"] = "metrics"
    service: str
    namespace: str = ""
    metric: str
    result: QueryResult


class FailureLine(_Line):
    """An outside failure, as the error the backend raised (its type and its words)."""

    kind: Literal["failure"] = "failure"
    source: Literal["deploy", "metrics"]
    error: str
    message: str
    rollout: str | None = None
    service: str | None = None
    namespace: str = ""
    metric: str | None = None


class GatesLine(_Line):
    """The verdict and every gate as the session judged them, each time they changed."""

    kind: Literal["gates"] = "gates"
    rollout: str
    status: str
    explanation: str
    gates: list[GateResult]


class EventLine(_Line):
    """A line of the event log: the deploy system's, a gate's, an outage's, an override."""

    kind: Literal["event"] = "event"
    rollout: str
    event: RolloutEvent


class ActionLine(_Line):
    """An action asked of the deploy backend and how it ended."""

    kind: Literal["action"] = "action"
    rollout: str
    action: str
    expect: Expectation | None = None
    outcome: str


Line = Annotated[
    Header | RolloutLine | MetricsLine | FailureLine | GatesLine | EventLine | ActionLine,
    Field(discriminator="kind"),
]
LINE: TypeAdapter[Line] = TypeAdapter(Line)


class BadRecording(ValueError):
    """A file that is not a recording, or a line that is not one of its lines."""


def read_lines(path: Path) -> list[Line]:
    """Every line of a recording, the header first.

    Raises:
        BadRecording: the file cannot be read, is empty, has no header, or a line does not
            parse; the message names the file and the line.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise BadRecording(f"{path}: cannot read it: {reason}") from None
    lines: list[Line] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            lines.append(LINE.validate_json(raw))
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "line"
            raise BadRecording(f"{path}:{number}: {where}: {first['msg']}") from None
    if not lines or not isinstance(lines[0], Header):
        raise BadRecording(f"{path}: not a rollwatch recording (no header line)")
    if lines[0].version != VERSION:
        raise BadRecording(f"{path}: recording version {lines[0].version}; this reads {VERSION}")
    return lines


def dump(line: Line) -> str:
    """One line of the file, without its newline."""
    return line.model_dump_json(exclude_defaults=False)
