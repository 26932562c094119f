"""The architecture's boundaries and the adapter registry."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

import backends.registry as registry
from backends.base import DeployBackend, MetricsBackend
from backends.clock import SystemClock, VirtualClock
from backends.registry import (
    DEPLOY_GROUP,
    METRICS_GROUP,
    AdapterContext,
    AdapterImportError,
    DeployAdapter,
    MetricsAdapter,
    UnknownAdapter,
    adapter_names,
    load_deploy,
    load_metrics,
)
from backends.simulator.adapter import Simulator
from tui.config.load import ConfigError, parse_config
from tui.session.wiring import from_config

ROOT = Path(__file__).resolve().parents[2]
BACKEND_MODULES = sorted(
    ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    for path in (ROOT / "backends").rglob("*.py")
)


def test_the_import_contracts_hold():
    """import-linter's contracts (pyproject) fail on a broken boundary and on a renamed module."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([str(lint_imports)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout


def test_importing_every_backend_loads_no_textual():
    """Imports for real, so an indirect import through a helper module is caught too, and a
    module that fails to import fails the test instead of being skipped. (rich is not checked
    here: httpx loads it for its command-line client whenever it is installed.)"""
    code = (
        "import importlib, sys\n"
        f"for m in {BACKEND_MODULES!r}:\n"
        "    importlib.import_module(m)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'tui')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_installed_adapter_loads_as_its_protocols_adapter():
    assert set(adapter_names(DEPLOY_GROUP)) >= {
        "simulator",
        "http",
        "argo",
        "kubernetes",
        "flagger",
    }
    assert set(adapter_names(METRICS_GROUP)) >= {"simulator", "prometheus"}
    for name in adapter_names(DEPLOY_GROUP):
        adapter = load_deploy(name)
        assert isinstance(adapter, DeployAdapter)
        assert adapter.options.model_config.get("extra") == "forbid", name
    for name in adapter_names(METRICS_GROUP):
        adapter = load_metrics(name)
        assert isinstance(adapter, MetricsAdapter)
        assert adapter.options.model_config.get("extra") == "forbid", name


def test_the_simulator_is_found_by_name_and_is_both_backends():
    context = AdapterContext(clock=VirtualClock(SystemClock().now()))
    deploy_adapter, metrics_adapter = load_deploy("simulator"), load_metrics("simulator")
    deploy = deploy_adapter.build(
        deploy_adapter.options.model_validate({"scenario": "noisy"}), context
    )
    metrics = metrics_adapter.build(metrics_adapter.options.model_validate({}), context)
    assert deploy is metrics, "one world behind both protocols"
    assert isinstance(deploy, DeployBackend) and isinstance(metrics, MetricsBackend)


def test_a_sped_up_simulator_hands_its_clock_to_the_context():
    adapter = load_deploy("simulator")
    context = AdapterContext()
    sim = adapter.build(adapter.options.model_validate({"speed": 60}), context)
    assert isinstance(sim, Simulator) and isinstance(context.clock, SystemClock)
    assert sim.clock is context.clock and context.clock.speed == 60


def test_unknown_adapter_lists_the_known_ones():
    with pytest.raises(UnknownAdapter) as error:
        load_deploy("spinnaker")
    assert "unknown deploy adapter 'spinnaker'" in str(error.value)
    assert "simulator" in str(error.value)
    with pytest.raises(UnknownAdapter, match=r"unknown metrics adapter 'graphite'.*prometheus"):
        load_metrics("graphite")


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid")


NOT_AN_ADAPTER = object()
METRICS_NOT_DEPLOY = MetricsAdapter(options=_Options, build=lambda o, c: NotImplemented)


def _install(monkeypatch: pytest.MonkeyPatch, group: str, name: str, value: str) -> None:
    """An extra entry point in `group`, as an installed package would register it."""
    real = registry.entry_points

    def patched(*, group: str) -> list[EntryPoint]:
        found = list(real(group=group))
        if group == wanted:
            found.append(EntryPoint(name=name, value=value, group=group))
        return found

    wanted = group
    monkeypatch.setattr(registry, "entry_points", patched)


def test_an_adapter_whose_module_fails_to_import_is_named(monkeypatch: pytest.MonkeyPatch):
    _install(monkeypatch, DEPLOY_GROUP, "spinnaker", "rollwatch_spinnaker.adapter:ADAPTER")
    assert "spinnaker" in adapter_names(DEPLOY_GROUP), "listing imports nothing"
    with pytest.raises(AdapterImportError) as error:
        load_deploy("spinnaker")
    assert isinstance(error.value, ImportError)
    assert error.value.adapter == "spinnaker"
    assert str(error.value).startswith("the spinnaker deploy adapter cannot load: ")
    assert "rollwatch_spinnaker.adapter:ADAPTER failed to import" in error.value.reason
    assert "No module named 'rollwatch_spinnaker'" in error.value.reason
    assert isinstance(error.value.__cause__, ModuleNotFoundError)


@pytest.mark.parametrize(
    ("group", "load", "value", "what"),
    [
        (
            DEPLOY_GROUP,
            load_deploy,
            f"{__name__}:NOT_AN_ADAPTER",
            "is a object, not a DeployAdapter",
        ),
        (
            DEPLOY_GROUP,
            load_deploy,
            f"{__name__}:METRICS_NOT_DEPLOY",
            "is a MetricsAdapter, not a DeployAdapter",
        ),
        (
            METRICS_GROUP,
            load_metrics,
            f"{__name__}:_install",
            "is a function, not a MetricsAdapter",
        ),
        (DEPLOY_GROUP, load_deploy, f"{__name__}:NO_SUCH_NAME", "failed to import: AttributeError"),
    ],
)
def test_an_entry_point_that_is_not_an_adapter_is_named(
    monkeypatch: pytest.MonkeyPatch, group, load, value, what
):
    _install(monkeypatch, group, "odd", value)
    with pytest.raises(AdapterImportError) as error:
        load("odd")
    assert error.value.adapter == "odd"
    assert f"{value} {what}" in error.value.reason


def test_wiring_turns_an_adapter_that_cannot_load_into_a_config_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    """The adapter breaks after the file was read (a package removed under a running shell):
    building the backends still ends in a ConfigError naming the field, not a traceback."""
    path = tmp_path / "rollwatch.toml"
    path.write_text('[deploy]\nkind = "simulator"\n\n[metrics]\nkind = "simulator"\n')
    config = parse_config(path.read_text(), path)
    _install(monkeypatch, DEPLOY_GROUP, "simulator", "rollwatch_gone.adapter:ADAPTER")
    with pytest.raises(ConfigError) as error:
        from_config(config)
    message = str(error.value)
    assert "deploy.kind" in message and str(path) in message
    assert "the simulator adapter cannot load: rollwatch_gone.adapter:ADAPTER failed" in message
    assert "No module named 'rollwatch_gone' (is its package installed?)" in message


def test_a_config_naming_an_adapter_that_cannot_load_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    _install(monkeypatch, DEPLOY_GROUP, "spinnaker", "rollwatch_spinnaker.adapter:ADAPTER")
    path = tmp_path / "rollwatch.toml"
    path.write_text('[deploy]\nkind = "spinnaker"\n\n[metrics]\nkind = "simulator"\n')
    with pytest.raises(ConfigError) as error:
        from_config(parse_config(path.read_text(), path))
    message = str(error.value)
    assert "deploy.kind" in message and str(path) in message
    assert "spinnaker" in message and "cannot load" in message
    assert "No module named 'rollwatch_spinnaker'" in message


def test_a_config_names_the_simulator_speed_and_the_session_keeps_its_clock(tmp_path: Path):
    text = '[deploy]\nkind = "simulator"\nspeed = 30\n\n[metrics]\nkind = "simulator"\n'
    wiring = from_config(parse_config(text, tmp_path / "rollwatch.toml"))
    assert isinstance(wiring.clock, SystemClock) and wiring.clock.speed == 30
    assert isinstance(wiring.deploy, Simulator) and wiring.deploy.clock is wiring.clock


@pytest.mark.parametrize(
    ("kind", "table", "option"),
    [
        ("simulator", {"sede": 7}, "sede"),
        ("http", {"url": "http://deployer:8080", "tokn": "x"}, "tokn"),
        ("argo", {"namespce": "shop"}, "namespce"),
        ("kubernetes", {"namespce": "shop"}, "namespce"),
        ("flagger", {"loadtester": "http://lt"}, "loadtester"),
    ],
)
def test_every_deploy_adapter_refuses_an_unknown_option_by_name(kind: str, table, option: str):
    with pytest.raises(ValidationError) as error:
        load_deploy(kind).options.model_validate(table)
    (first,) = error.value.errors()
    assert first["type"] == "extra_forbidden" and first["loc"] == (option,)


@pytest.mark.parametrize(
    ("kind", "table", "option"),
    [
        ("simulator", {"seeed": 7}, "seeed"),
        ("prometheus", {"url": "http://prometheus:9090", "tenant_header": "x"}, "tenant_header"),
    ],
)
def test_every_metrics_adapter_refuses_an_unknown_option_by_name(kind: str, table, option: str):
    with pytest.raises(ValidationError) as error:
        load_metrics(kind).options.model_validate(table)
    (first,) = error.value.errors()
    assert first["type"] == "extra_forbidden" and first["loc"] == (option,)


def test_a_misspelt_option_in_a_config_is_a_config_error_naming_it(tmp_path: Path):
    path = tmp_path / "rollwatch.toml"
    path.write_text('[deploy]\nkind = "argo"\nnamespce = "shop"\n\n[metrics]\nkind = "simulator"\n')
    with pytest.raises(ConfigError) as error:
        from_config(parse_config(path.read_text(), path))
    assert "deploy.namespce" in str(error.value)
