"""Without the shared fixtures the conformance suites skip, except where they are required (CI),
where they fail: a run that checked nothing must not look like one that passed.

pytest runs the suites in a subprocess, as CI does, with the fixtures folder pointed at one that
does not exist.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conformance.shared_fixtures import FIXTURES_ENV, REPOSITORY, REQUIRE_ENV

HERE = Path(__file__).resolve()
SUITES = ("test_conformance_fixtures.py", "test_kayenta_conformance.py")


def conformance_run(missing: Path, *, required: bool) -> subprocess.CompletedProcess[str]:
    """pytest on this folder (but this file) with the fixtures expected at `missing`."""
    env = {k: v for k, v in os.environ.items() if k != REQUIRE_ENV}
    env[FIXTURES_ENV] = str(missing)
    if required:
        env[REQUIRE_ENV] = "1"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += [str(HERE.parent), f"--ignore={HERE}"]
    return subprocess.run(
        command, cwd=REPOSITORY, env=env, capture_output=True, text=True, timeout=120
    )


def test_missing_fixtures_fail_the_suites_when_they_are_required(tmp_path: Path):
    missing = tmp_path / "no-fixtures-here"
    run = conformance_run(missing, required=True)
    assert run.returncode == pytest.ExitCode.INTERRUPTED, run.stdout + run.stderr
    for suite in SUITES:
        assert f"ERROR tests/conformance/{suite}" in run.stdout
    assert f"{REQUIRE_ENV}=1 requires them" in run.stdout
    assert f"{missing} does not exist" in run.stdout
    assert f"set {FIXTURES_ENV} to their folder" in run.stdout
    assert "passed" not in run.stdout


def test_missing_fixtures_skip_the_suites_otherwise(tmp_path: Path):
    run = conformance_run(tmp_path / "no-fixtures-here", required=False)
    assert run.returncode == pytest.ExitCode.NO_TESTS_COLLECTED, run.stdout + run.stderr
    assert "2 skipped" in run.stdout and "the shared fixtures are missing" in run.stdout
    assert "passed" not in run.stdout and "error" not in run.stdout.lower()
