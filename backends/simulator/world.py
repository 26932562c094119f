"""The simulated world: which services roll out what, and how the new versions behave.

The first rollout is the scenario's own; the others give a list something to show: one rolling
by itself, one finished, one waiting for someone, one aborted.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from backends.model import Change
from backends.simulator.controller import SimRollout
from backends.simulator.traffic import BASELINE, Behaviour

SCENARIOS: dict[str, Behaviour] = {
    "healthy": BASELINE,
    "latency-regression": Behaviour(latency_factor=1.35, db_load=0.6),
    "error-spike": Behaviour(error_ratio=0.015, spike_after_s=60.0),
    "noisy": Behaviour(noise=3.0),
    "slow-burn": Behaviour(burn_per_minute=0.03, db_load=0.3),
}

_CHANGES = {
    "healthy": ("3f2a9c1e8b", "Cache tax rates per region", "maria.chen", "dev.okafor"),
    "latency-regression": (
        "9b41d07c2a",
        "Validate cart items against inventory",
        "sam.ruiz",
        "lee.park",
    ),
    "error-spike": ("c7e21f3a90", "Switch payment client to v2 SDK", "ana.silva", "tom.wu"),
    "noisy": ("5d8a3b6f11", "Bump HTTP client pool size", "ivan.petrov", "maria.chen"),
    "slow-burn": ("e0f4c9a278", "Keep sessions in the local cache", "kim.nguyen", "sam.ruiz"),
}


def _change(sha: str, title: str, author: str, merged_by: str, number: int) -> Change:
    return Change(
        sha=sha,
        title=title,
        author=author,
        merged_by=merged_by,
        url=f"https://git.example.com/shop/pulls/{number}",
    )


def build_world(scenario: str, now: datetime, auto_confirm: timedelta | None) -> list[SimRollout]:
    """The rollouts of one simulated world, fast-forwarded to `now`."""
    sha, title, author, merged_by = _CHANGES[scenario]
    rollouts = [
        SimRollout(
            service="checkout-api",
            namespace="shop",
            stable_revision="6cbccd9f99",
            canary_revision="7d5f8b6c4d",
            change=_change(sha, title, author, merged_by, 4821),
            started=now - timedelta(minutes=5),
            behaviour=SCENARIOS[scenario],
            auto_confirm=auto_confirm,
        ),
        SimRollout(
            service="payments",
            namespace="shop",
            stable_revision="58d9c7b5f6",
            canary_revision="6f7c9d8e5b",
            change=_change("a1b2c3d4e5", "Retry idempotent captures", "tom.wu", "ana.silva", 4817),
            started=now - timedelta(minutes=9),
            base_rps=300.0,
            auto_confirm=timedelta(minutes=1),
        ),
        SimRollout(
            service="search",
            namespace="catalog",
            stable_revision="84f6b9c7d2",
            canary_revision="9c8d7e6f5a",
            change=_change("f9e8d7c6b5", "Tune BM25 field boosts", "lee.park", "kim.nguyen", 4790),
            started=now - timedelta(minutes=45),
            base_rps=1200.0,
            auto_confirm=timedelta(minutes=2),
        ),
        SimRollout(
            service="inventory",
            namespace="catalog",
            stable_revision="7b6c5d4e3f",
            canary_revision="8c7d6e5f4a",
            change=_change(
                "0a9b8c7d6e", "Batch stock reservations", "dev.okafor", "ivan.petrov", 4824
            ),
            started=now - timedelta(minutes=2),
            base_rps=450.0,
            behaviour=SCENARIOS["noisy"],
        ),
        SimRollout(
            service="notifications",
            namespace="messaging",
            stable_revision="5e4f3a2b1c",
            canary_revision="6a5b4c3d2e",
            change=_change(
                "1b2c3d4e5f", "Send receipts through the new mailer", "kim.nguyen", "tom.wu", 4809
            ),
            started=now - timedelta(minutes=16),
            base_rps=150.0,
            behaviour=SCENARIOS["error-spike"],
            auto_confirm=timedelta(minutes=1),
            abort_after=timedelta(minutes=6),
        ),
    ]
    for rollout in rollouts:
        rollout.advance_to(now)
    return rollouts
