"""`rollwatch judge FILE...`: would these gates have caught it? Replays recorded series.

Each file is replayed through the configured gates sample by sample, exactly as a watch would
have seen it, and the command prints when each gate first failed (or that it never did) and the
final verdict. Many files go through one process and one loaded config.

A recording is JSON: `{"resolution": "10s", "metrics": {"<metric name>": {"stable": [[unix_ts,
value], ...], "canary": [[unix_ts, value], ...]}, ...}}` with the config's metric names; a
`split = false` metric has `"all"` instead of the two sides. A value may be null (no sample).

Exit code: 0 no gate failed in any file, 1 some gate failed, 2 a file or the config is unusable.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from backends.model import Role
from tui.config.durations import RESOLUTION, DurationError, parse_duration
from tui.config.load import Config, load_config
from tui.format import duration
from tui.judge.replay import Recording, Replay, replay
from tui.judge.specs import MetricSpec

EXIT_FAILED = 1
EXIT_UNUSABLE = 2


class RecordingError(ValueError):
    """What is wrong with a recording file, in one line that names the fix."""


def add_command(
    subparsers: argparse._SubParsersAction[Any], name: str, summary: str
) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        name,
        help=summary,
        description="Replay recorded metric series through the configured gates, sample by "
        "sample as a watch would have judged them, and print when each gate first failed and "
        "the final verdict. Exit 0 if no gate failed, 1 if one did, 2 on an unusable file.",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="recording (JSON)")
    parser.add_argument(
        "--config",
        type=Path,
        metavar="PATH",
        help="rollwatch.toml whose metrics and gates to use (default: $ROLLWATCH_CONFIG, "
        "./rollwatch.toml, ~/.config/rollwatch)",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per file and line")
    return parser


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    code = 0
    for path in args.files:
        try:
            resolution, recording = read_recording(path)
        except RecordingError as error:
            print(f"rollwatch: {path}: {error}", file=sys.stderr)
            code = EXIT_UNUSABLE
            continue
        result = replay(recording, _specs(config, resolution), config.gate, config.judge)
        if any(t is not None for t in result.first_failed.values()) and code == 0:
            code = EXIT_FAILED
        print(json.dumps(file_record(path, result)) if args.json else file_text(path, result))
    return code


def _specs(config: Config, resolution: timedelta) -> list[MetricSpec]:
    """The config's metrics at the recording's resolution, which sets counts and staleness."""
    return [spec.model_copy(update={"resolution": resolution}) for spec in config.metric]


def read_recording(path: Path) -> tuple[timedelta, Recording]:
    """The resolution and the series, sorted by time, from a recording file."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise RecordingError(f"cannot read it: {reason}") from None
    except json.JSONDecodeError as error:
        raise RecordingError(f"not JSON: {error.msg} at line {error.lineno}") from None
    if not isinstance(document, dict) or not isinstance(document.get("metrics"), dict):
        raise RecordingError('expected {"resolution": "10s", "metrics": {"<name>": {...}}}')
    try:
        resolution = parse_duration(document.get("resolution", "10s"), RESOLUTION)
    except DurationError as error:
        raise RecordingError(f"resolution: {error}") from None
    recording: dict[str, dict[Role, list[tuple[float, float]]]] = {}
    for name, sides in document["metrics"].items():
        if not isinstance(sides, dict) or not sides:
            raise RecordingError(f'metrics.{name}: expected {{"stable": [...], "canary": [...]}}')
        recording[name] = {}
        for side, points in sides.items():
            if side not in ("stable", "canary", "all"):
                raise RecordingError(f"metrics.{name}.{side}: use stable, canary or all")
            recording[name][Role(side)] = _points(points, f"metrics.{name}.{side}")
    return resolution, recording


def _points(points: object, where: str) -> list[tuple[float, float]]:
    if not isinstance(points, list):
        raise RecordingError(f"{where}: expected a list of [unix_ts, value]")
    parsed: dict[float, float] = {}
    for i, point in enumerate(points):
        pair = _pair(point)
        if pair is None:
            raise RecordingError(f"{where}[{i}]: expected [unix_ts, value], not {point!r}")
        parsed[pair[0]] = pair[1]
    return sorted(parsed.items())


def _pair(point: object) -> tuple[float, float] | None:
    """`[unix_ts, value]` as floats, a null value as NaN; None for anything else."""
    if not isinstance(point, list) or len(point) != 2:
        return None
    ts, value = point
    if not _number(ts) or not (value is None or _number(value)):
        return None
    return float(ts), math.nan if value is None else float(value)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def file_record(path: Path, result: Replay) -> dict[str, Any]:
    """One file's JSON line: the final verdict and, per gate, when it first failed."""
    return {
        "file": str(path),
        "verdict": result.judgement.status.value,
        "gates": [
            {
                "name": gate.name,
                "metric": gate.metric,
                "status": gate.status.value,
                "first_fail_ts": result.first_failed[gate.name],
                "explanation": gate.explanation,
            }
            for gate in result.judgement.gates
        ],
    }


def file_text(path: Path, result: Replay) -> str:
    judgement = result.judgement
    lines = [f"{path}: {judgement.status.value} — {judgement.explanation}"]
    for gate in judgement.gates:
        failed, start = result.first_failed[gate.name], result.start
        when = "never failed"
        if failed is not None and start is not None:
            stamp = datetime.fromtimestamp(failed, UTC).strftime("%Y-%m-%d %H:%M:%SZ")
            when = f"failed at {stamp} (+{duration(failed - start)})"
        lines.append(f"  {gate.name}: {when}")
        lines.append(f"    {gate.explanation}")
    return "\n".join(lines)
