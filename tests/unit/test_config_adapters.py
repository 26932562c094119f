"""`[deploy]` and `[metrics]` are checked against the adapter's own options when the file loads."""

from __future__ import annotations

import re
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

import pytest

from backends import registry
from tui.cli.main import main
from tui.config.errors import ConfigError
from tui.config.load import load_config
from tui.config.starter import starter


def fails(tmp_path: Path, text: str) -> tuple[Path, str]:
    path = tmp_path / "rollwatch.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load_config(path, env={})
    message = str(error.value)
    assert "\n" not in message
    return path, message


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.mark.parametrize(
    ("deploy", "old", "new", "field", "problem"),
    [
        (
            "argo",
            'namespace = "shop"',
            'namespce = "shop"',
            "deploy.namespce",
            "unknown key; did you mean namespace?",
        ),
        ("simulator", "seed = 7", "sede = 7", "deploy.sede", "unknown key; did you mean seed?"),
        (
            "simulator",
            'scenario = "healthy"',
            'scenario = "helthy"',
            "deploy.scenario",
            "'helthy'; choose one of: healthy, latency-regression, error-spike, noisy, slow-burn",
        ),
        (
            "flagger",
            'loadtester_url = "http://flagger-loadtester.test"',
            'loadtester_url = "not a url"',
            "deploy.loadtester_url",
            'must be a valid URL, relative URL without a base, not "not a url"',
        ),
    ],
)
def test_a_mistake_in_an_adapter_table_is_found_at_load(tmp_path, deploy, old, new, field, problem):
    text = starter(deploy, "simulator" if deploy == "simulator" else "prometheus")
    assert old in text
    text = text.replace(old, new)
    path, message = fails(tmp_path, text)
    assert message.startswith(f"{path}:{line_of(text, new)}: {field}: ")
    assert message.endswith(problem)


def test_config_check_refuses_a_misspelt_option_with_exit_2(tmp_path, capsys):
    text = starter("argo", "prometheus").replace('namespace = "shop"', 'namespce = "shop"')
    path = tmp_path / "rollwatch.toml"
    path.write_text(text)
    with pytest.raises(SystemExit) as exit:
        main(["config", "check", "--config", str(path)])
    assert exit.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"rollwatch: {path}:{line_of(text, 'namespce')}: deploy.namespce: unknown key; "
        "did you mean namespace?\n"
    )


def test_a_misspelt_adapter_name_is_suggested(tmp_path):
    text = starter().replace('kind = "simulator"', 'kind = "simulatr"', 1)
    path, message = fails(tmp_path, text)
    assert message == (
        f"{path}:{line_of(text, 'simulatr')}: deploy.kind: unknown deploy adapter 'simulatr'; "
        "did you mean simulator?"
    )


def test_an_adapter_that_cannot_import_is_a_config_error_naming_it(tmp_path, monkeypatch):
    """An installed in-house adapter whose module is missing: its name, not a traceback."""
    broken = EntryPoint(
        name="inhouse", value="no_such_module.adapter:ADAPTER", group=registry.DEPLOY_GROUP
    )

    def with_broken(group: str) -> list[EntryPoint]:
        found = list(entry_points(group=group))
        return [*found, broken] if group == registry.DEPLOY_GROUP else found

    monkeypatch.setattr(registry, "entry_points", with_broken)
    text = starter().replace('kind = "simulator"', 'kind = "inhouse"', 1)
    text = text.replace('scenario = "healthy"\n', "").replace("seed = 7\n", "")
    path, message = fails(tmp_path, text)
    assert message.startswith(
        f"{path}:{line_of(text, 'inhouse')}: deploy.kind: the inhouse adapter cannot load: "
        "no_such_module.adapter:ADAPTER failed to import: ModuleNotFoundError"
    )
    assert message.endswith(" (is its package installed?)")


def test_an_adapter_whose_check_crashes_is_still_one_line(tmp_path):
    """An options validator that raises something other than ValueError is contained."""
    text = starter("http", "prometheus").replace('url = "http://localhost:9090"', 'url = "::::"')
    path, message = fails(tmp_path, text)
    assert re.match(rf"{re.escape(str(path))}:\d+: metrics(\.url)?: \S", message), message
