"""Shared fixtures: a virtual clock, the simulated world on it, and the fake Kubernetes API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backends.clock import VirtualClock
from backends.simulator.adapter import Simulator, SimulatorOptions
from tests.helpers.kube_fake import FakeKube, serving
from tui.session.demo import START


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


@pytest.fixture
def sim(clock: VirtualClock) -> Simulator:
    return Simulator(clock, SimulatorOptions(scenario="healthy", seed=7, actor="tester"))


@pytest.fixture
async def fake(tmp_path: Path) -> AsyncIterator[FakeKube]:
    """The fake Kubernetes API on loopback, its kubeconfig in `tmp_path`."""
    async with serving(tmp_path) as server:
        yield server
