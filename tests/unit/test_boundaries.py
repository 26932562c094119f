"""The architecture's boundaries and the adapter registry."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from backends.base import DeployBackend, MetricsBackend
from backends.registry import (
    DEPLOY_GROUP,
    METRICS_GROUP,
    AdapterContext,
    UnknownAdapter,
    adapter_names,
    load_factory,
)

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "backends").glob("*.py")), ids=lambda p: p.name)
def test_backends_never_import_textual_or_the_tui(path: Path):
    assert not imported_modules(path) & {"textual", "textual_plotext", "rich", "tui"}


@pytest.mark.parametrize(
    "module",
    [
        "tui/session.py",
        "tui/decisions.py",
        "tui/fetching.py",
        "tui/judge.py",
        "tui/stats.py",
        "tui/sample_stats.py",
        "tui/classification.py",
        "tui/rate_test.py",
        "tui/gate_data.py",
        "tui/gate_text.py",
        "tui/gate_kinds.py",
    ],
)
def test_session_and_judge_stay_free_of_textual(module: str):
    path = ROOT / module
    if path.exists():
        assert "textual" not in imported_modules(path)


def test_importing_every_backend_loads_no_textual():
    """Imports for real, so an indirect import through a helper module is caught too."""
    modules = [f"backends.{p.stem}" for p in (ROOT / "backends").glob("*.py")]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}:\n"
        "    try: importlib.import_module(m)\n"
        "    except ImportError: pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'tui')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_simulator_is_found_by_name_and_is_both_backends():
    assert "simulator" in adapter_names(DEPLOY_GROUP)
    assert "simulator" in adapter_names(METRICS_GROUP)
    context = AdapterContext()
    deploy = load_factory(DEPLOY_GROUP, "simulator")({"scenario": "noisy"}, context)
    metrics = load_factory(METRICS_GROUP, "simulator")({}, context)
    assert deploy is metrics, "one world behind both protocols"
    assert isinstance(deploy, DeployBackend) and isinstance(metrics, MetricsBackend)


def test_unknown_adapter_lists_the_known_ones():
    with pytest.raises(UnknownAdapter) as error:
        load_factory(DEPLOY_GROUP, "spinnaker")
    assert "unknown deploy adapter 'spinnaker'" in str(error.value)
    assert "simulator" in str(error.value)
