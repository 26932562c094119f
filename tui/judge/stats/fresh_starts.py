"""Evidence that starts afresh every so often, so a canary that turns bad late is still caught fast.

A test of everything since the canary began answers "is this canary worse?", but once it has
been healthy for an hour its evidence sits far below 1, and a regression that starts then (a
leak, a cache filling up, more traffic at the next step) must climb all the way back first.
So besides the run from the start, a run starts every `EVERY` intervals, and the evidence is
their weighted sum: the first run weighs `FIRST`, the j-th fresh start `(1 - FIRST)/(j(j+1))`,
weights that sum to one. Every run is a nonnegative supermartingale from its start on, so the
sum is bounded by one that Ville's inequality holds for, however many looks; a run dropped to
keep memory bounded only lowers it. This is the mixture over start times behind e-detectors
(Shin, Ramdas and Rinaldo), kept as a test: its false-alarm bound is the same as the first run's.

Each run keeps one log value per bet (or per alternative ratio); every interval adds the same
increments to all of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from tui.judge.stats.sample import log_mean_exp

EVERY = 30
"""Intervals between fresh starts: 5 minutes at 10 s."""
FIRST = 0.9
"""The weight of the run from the start: a regression there from the first sample loses
log(1/0.9), a tenth of a pair's worth of evidence."""
KEEP = 12
"""Runs kept at most: the first, and the fresh ones with the most evidence."""


@dataclass
class FreshStarts:
    """Log values per bet for the run from the start and for runs started since."""

    width: int
    runs: list[tuple[float, list[float]]] = field(default_factory=list)
    """(log weight, log value per bet) per run, the run from the start first."""
    intervals: int = 0
    started: int = 0

    def __post_init__(self) -> None:
        if not self.runs:
            self.runs = [(math.log(FIRST), [0.0] * self.width)]

    def add(self, increments: list[float]) -> None:
        """One interval: start a run when one is due, then add its log factors to every run."""
        if self.intervals and self.intervals % EVERY == 0:
            self.started += 1
            j = self.started
            self.runs.append((math.log((1.0 - FIRST) / (j * (j + 1))), [0.0] * self.width))
        for _, logs in self.runs:
            for i, step in enumerate(increments):
                logs[i] += step
        if len(self.runs) > KEEP:
            weakest = min(range(1, len(self.runs)), key=lambda r: self._weighted(r))
            del self.runs[weakest]
        self.intervals += 1

    def _weighted(self, index: int) -> float:
        log_weight, logs = self.runs[index]
        return log_weight + log_mean_exp(logs)

    @property
    def log_value(self) -> float:
        """Log of the evidence: the weighted sum of every run's average over its bets."""
        return log_mean_exp([self._weighted(r) for r in range(len(self.runs))]) + math.log(
            len(self.runs)
        )

    @property
    def from_start(self) -> list[float]:
        """The run from the start, per bet."""
        return self.runs[0][1]
