"""Argument types and option groups more than one command shares."""

from __future__ import annotations

import argparse

from backends.simulator.world import SCENARIOS
from tui.config.durations import TIMEOUT, DurationError, parse_duration


def positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0")
    return value


def duration(text: str) -> float:
    """Seconds from `30s`, `5m` or `1h30m`, the way rollwatch.toml writes durations."""
    try:
        return parse_duration(text, TIMEOUT).total_seconds()
    except DurationError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def simulator_options(parser: argparse.ArgumentParser) -> None:
    """--scenario, --seed and --speed: which simulated world, and how fast it runs."""
    parser.add_argument(
        "--scenario",
        default="healthy",
        choices=list(SCENARIOS),
        metavar="S",
        help=f"simulated scenario: {', '.join(SCENARIOS)} (default: healthy)",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed (default: 7)")
    parser.add_argument(
        "--speed",
        type=positive,
        default=1.0,
        metavar="N",
        help="run simulated time N times faster than real time (default: 1)",
    )
