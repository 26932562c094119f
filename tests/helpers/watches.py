"""Reading a deploy backend's watch streams without letting a test hang on them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from backends.base import RolloutsChange
from backends.model import RolloutSummary

WAIT = 5.0
"""Seconds any single step may take, a watch's next event among them, before the test fails
instead of hanging."""


async def about(stream: AsyncIterator[RolloutsChange], rollout_id: str) -> RolloutSummary:
    """The next change that tells of `rollout_id`: other rollouts may move on the same tick."""
    while True:
        change = await asyncio.wait_for(anext(stream), WAIT)
        for summary in [change] if isinstance(change, RolloutSummary) else change:
            if summary.id == rollout_id:
                return summary
