"""Argument types and option groups more than one command shares, and the usage error."""

from __future__ import annotations

import argparse
import math

from backends.errors import InvalidId
from backends.ids import id_parts
from tui.config.durations import TIMEOUT, DurationError, parse_duration


class UsageError(Exception):
    """A mistake in what the user asked for; the message says how to fix it."""


def positive(text: str) -> float:
    """A finite number above 0: `inf` and `nan` parse as floats but mean nothing here."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0")
    return value


def rollout_id(text: str) -> str:
    """An id every adapter can put in a URL: no `..` part, no control character, not absurdly
    long. Checked here, so a mistyped id is a usage error before anything is read or sent."""
    try:
        id_parts(text)
    except InvalidId as error:
        raise argparse.ArgumentTypeError(error.message) from None
    return text


def add_rollout_id(parser: argparse.ArgumentParser, *, optional: bool = False) -> None:
    """The rollout's id, the command's one positional argument; `optional` where the command
    picks the rollout itself when none is given."""
    parser.add_argument(
        "id",
        metavar="ID",
        nargs="?" if optional else None,
        type=rollout_id,
        help="rollout id, e.g. shop/checkout-api",
    )


def speed(text: str) -> float:
    """How many times faster than real time the simulator runs, within what it can show.

    The simulator is loaded here and in `simulator_options`, not with this module: `link` and
    `serve` share these types and start without it.
    """
    from backends.simulator.adapter import MAX_SPEED

    value = positive(text)
    if value > MAX_SPEED:
        raise argparse.ArgumentTypeError(f"{text!r} is too fast; at most {MAX_SPEED:g}")
    return value


def duration(text: str) -> float:
    """Seconds from `30s`, `5m` or `1h30m`, the way rollwatch.toml writes durations."""
    try:
        return parse_duration(text, TIMEOUT).total_seconds()
    except DurationError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def simulator_options(parser: argparse.ArgumentParser) -> None:
    """--scenario, --seed and --speed: which simulated world, and how fast it runs.

    Only `demo` and `sim-serve` run a simulator of their own; every other command reaches it
    as `--backend simulator -o scenario=...`.
    """
    from backends.simulator.world import SCENARIOS

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
        type=speed,
        default=1.0,
        metavar="N",
        help="run simulated time N times faster than real time (default: 1)",
    )
