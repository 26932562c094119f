"""Where the conformance suites find the shared fixtures, and what happens when they are missing.

The fixtures are objects and test vectors from other projects' repositories; they live next to
this repository (`../shared/fixtures`) and are never copied into it. On a laptop without them the
suites skip; in CI (`ROLLWATCH_REQUIRE_FIXTURES=1`) a missing fixture fails the run, so the
suites cannot pass there by not running. `ROLLWATCH_FIXTURES` points elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

FIXTURES_ENV = "ROLLWATCH_FIXTURES"
REQUIRE_ENV = "ROLLWATCH_REQUIRE_FIXTURES"
REPOSITORY = Path(__file__).resolve().parents[2]
DEFAULT = REPOSITORY.parent / "shared" / "fixtures"
"""`../shared/fixtures`, next to the repository that holds this file."""


def shared_fixtures(needed: str = "") -> Path:
    """The fixtures folder; skips the calling test module when `needed` is not in it.

    Call at module level. With ROLLWATCH_REQUIRE_FIXTURES=1 a missing fixture fails the module's
    collection instead, with a message naming the path and how to provide it.
    """
    folder = Path(os.environ.get(FIXTURES_ENV) or DEFAULT)
    wanted = folder / needed
    if not wanted.exists():
        reason = f"the shared fixtures are missing: {wanted} does not exist"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(
                f"{reason}; {REQUIRE_ENV}=1 requires them. Put them at {DEFAULT} or set "
                f"{FIXTURES_ENV} to their folder.",
                pytrace=False,
            )
        pytest.skip(f"{reason} (CI has them)", allow_module_level=True)
    return folder
