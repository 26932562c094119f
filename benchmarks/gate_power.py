"""How often each gate kind fails a healthy canary, and how fast it finds a regression.

    .venv/bin/python benchmarks/gate_power.py [--rollouts 200] [--workers 2]

Generated streams at 10 s resolution, 200 seeded rollouts per row, each judged after every
sample through the same replay `rollwatch judge` runs. Healthy rows watch for 2 hours (720
looks) and count the rollouts that ever failed; regression rows count the rollouts whose gate
failed, and the median number of samples it took. Prints a markdown table.

Streams (stats in `streams.py` beside this file):
- errors: 2,000 stable and 50 canary requests per interval, 0.2 % errors (Poisson);
- latency: each side's p99 is 180 ms times a log-normal factor (sigma 0.12) per interval;
- "load & spikes": a shared load that wanders (AR(1), minute-scale, +-30 %) multiplies both
  sides; latency spikes (1 % of intervals per side, x1.5-4) and shared error bursts (1 % of
  intervals, x20 on both sides); the canary's traffic steps 1 host -> 10 % -> 25 % -> 50 %;
- "1m windows": the p99 of a sliding 1-minute window sampled every 10 s, as
  histogram_quantile over rate(...[1m]) gives, so neighbouring samples share 5/6 of their data.

The gates: the anytime-valid kinds with the starter's settings (count: fails at 100x against no
increase; continuous: fails at 100x against at most +2 %, one pair per minute where the metric's
`sample_span` is 1m), and the window kinds with their defaults (5 m window, 98 % confidence;
compare is Kayenta's classifier, rate the exact count test).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import streams

from tui.judge.replay import replay
from tui.judge.specs import (
    CompareGate,
    ContinuousGate,
    CountGate,
    GateSpec,
    RateGate,
)

HEALTHY_LOOKS = 720
REGRESSION_LOOKS = 360
WITHIN = 180

COUNT = CountGate(name="errors", numerator="errors", denominator="requests")
RATE = RateGate(name="errors", numerator="errors", denominator="requests")
CONTINUOUS = ContinuousGate(name="p99", metric="p99 latency", allowed_increase=1.02)
COMPARE = CompareGate(name="p99", metric="p99 latency")


@dataclass(frozen=True)
class Row:
    label: str
    stream: Callable[[int, int], streams.Stream]
    looks: int
    healthy: bool


ROWS = [
    Row("healthy, errors 0.2 %", streams.errors(0.002), HEALTHY_LOOKS, True),
    Row("healthy, errors, load & spikes", streams.errors(0.002, wild=True), HEALTHY_LOOKS, True),
    Row("healthy, p99", streams.latency(1.0), HEALTHY_LOOKS, True),
    Row("healthy, p99, load & spikes", streams.latency(1.0, wild=True), HEALTHY_LOOKS, True),
    Row("healthy, p99, 1m windows", streams.latency(1.0, windowed=True), HEALTHY_LOOKS, True),
    Row("errors 0.2 % -> 1.2 %", streams.errors(0.012), REGRESSION_LOOKS, False),
    Row("p99 +25 %", streams.latency(1.25), REGRESSION_LOOKS, False),
    Row("p99 +10 %", streams.latency(1.10), REGRESSION_LOOKS, False),
]
KINDS: dict[str, tuple[GateSpec, GateSpec]] = {
    "anytime-valid": (COUNT, CONTINUOUS),
    "window (Kayenta)": (RATE, COMPARE),
}


def gate_for(row: Row, kind: str) -> GateSpec:
    count, continuous = KINDS[kind]
    return count if "errors" in row.label else continuous


def first_failure(job: tuple[int, str, int]) -> int | None:
    """The sample at which the gate first failed on one seeded rollout, or None."""
    index, kind, seed = job
    row = ROWS[index]
    stream = row.stream(seed, row.looks)
    result = replay(stream.recording, stream.specs, [gate_for(row, kind)], until_failed=True)
    failed = result.first_failed[gate_for(row, kind).name]
    return None if failed is None else stream.sample_at(failed)


def summary(row: Row, samples: list[int | None]) -> str:
    failed = sorted(s for s in samples if s is not None)
    total = len(samples)
    if row.healthy:
        return f"{len(failed)} / {total} ever failed"
    found = f"{len(failed)}/{total} found"
    if not failed:
        return found
    median = statistics.median(failed + [row.looks + 1] * (total - len(failed)))
    text = f"{found}, median {median:g} samples"
    if row.label == "p99 +10 %":
        text += f", {sum(s <= WITHIN for s in failed)}/{total} within {WITHIN}"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rollouts", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    started = time.monotonic()
    jobs = [
        (i, kind, seed) for i in range(len(ROWS)) for kind in KINDS for seed in range(args.rollouts)
    ]
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(first_failure, jobs, chunksize=10))
    cells: dict[tuple[str, str], list[int | None]] = {}
    for (index, kind, _), result in zip(jobs, results, strict=True):
        cells.setdefault((ROWS[index].label, kind), []).append(result)
    print("| rollouts (10 s samples) | " + " | ".join(KINDS) + " |")
    print("|---|" + "---|" * len(KINDS))
    for row in ROWS:
        print(
            f"| {row.label} | "
            + " | ".join(summary(row, cells[(row.label, kind)]) for kind in KINDS)
            + " |"
        )
    print(f"\n{len(jobs)} replays in {time.monotonic() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
