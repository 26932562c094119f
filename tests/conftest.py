"""Shared fixtures: a virtual clock and the simulated world on it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backends.clock import VirtualClock
from backends.simulator import Simulator, SimulatorOptions

START = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
"""Every test's world begins at the same instant, so screenshots and numbers repeat."""


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


@pytest.fixture
def sim(clock: VirtualClock) -> Simulator:
    return Simulator(clock, SimulatorOptions(scenario="healthy", seed=7, actor="tester"))
