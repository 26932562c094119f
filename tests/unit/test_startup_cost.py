"""What a command loads before it starts: only its own module, and the adapter scan once."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterable
from importlib.metadata import EntryPoint

import pytest

from backends import registry
from backends.registry import DEPLOY_GROUP, METRICS_GROUP, adapter_names, load_deploy
from tui.cli.main import COMMANDS, build_parser, main


def test_the_command_table_names_every_command_in_help_order():
    parser, commands = build_parser(*COMMANDS)
    assert set(commands) == set(COMMANDS)
    listed = re.findall(r"^ {4}(\S+)", parser.format_help(), re.MULTILINE)
    assert listed == list(COMMANDS)


def test_the_help_listed_from_the_table_is_the_help_of_the_built_commands():
    table_only, none = build_parser()
    every, _ = build_parser(*COMMANDS)
    assert none == {}
    assert table_only.format_help() == every.format_help()
    listed = " ".join(table_only.format_help().split())
    assert all(command.summary in listed for command in COMMANDS.values())


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_command_built_alone_has_the_parser_of_the_full_build(name: str):
    _, alone = build_parser(name)
    _, full = build_parser(*COMMANDS)
    assert set(alone) == {name}
    assert alone[name][0].format_help() == full[name][0].format_help()
    assert alone[name][1] is full[name][1]


LOADED = (
    "import contextlib, io, sys\n"
    "from tui.cli.main import main\n"
    "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
    "    try:\n"
    "        main(sys.argv[1:])\n"
    "    except SystemExit as exit:\n"
    "        code = exit.code\n"
    "print(code, *sorted(sys.modules))\n"
)
"""Runs `rollwatch ARGS...` in a fresh interpreter; prints the exit code and every module loaded."""


def run_loading(*argv: str) -> tuple[int, set[str]]:
    code, *loaded = subprocess.run(
        [sys.executable, "-c", LOADED, *argv], capture_output=True, text=True, check=True
    ).stdout.split()
    return int(code), set(loaded)


@pytest.mark.parametrize(
    ("argv", "code"), [(["--help"], 0), (["-h"], 0), (["--version"], 0), (["dmeo"], 2)]
)
def test_help_version_and_a_misspelt_command_load_no_command(argv: list[str], code: int):
    exit_code, loaded = run_loading(*argv)
    assert exit_code == code
    ours = {module for module in loaded if module.split(".")[0] in ("tui", "backends")}
    assert ours == {"tui", "tui.cli", "tui.cli.main"}
    assert not loaded & {"pydantic", "asyncio", "textual", "httpx"}


@pytest.mark.parametrize("name", ["promote", "judge", "sim-serve"])
def test_a_commands_help_loads_that_command_only(name: str):
    exit_code, loaded = run_loading(name, "--help")
    assert exit_code == 0
    modules = {f"tui.cli.{command.module}" for command in COMMANDS.values()}
    assert loaded & modules == {f"tui.cli.{COMMANDS[name].module}"}


def test_a_misspelt_command_is_an_invalid_choice_naming_every_command(
    capsys: pytest.CaptureFixture[str],
):
    with pytest.raises(SystemExit) as exit:
        main(["dmeo"])
    assert exit.value.code == 2
    error = capsys.readouterr().err
    assert "invalid choice: 'dmeo'" in error
    assert all(repr(name) in error for name in COMMANDS)


def test_the_demo_does_not_load_the_other_commands():
    code = (
        "import sys\n"
        "from tui.cli.main import build_parser\n"
        "build_parser('demo')\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('tui.cli.'))))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "tui.cli.demo" in loaded
    for other in ("actions", "records", "judge", "wait", "config", "sim_serve", "serve"):
        assert f"tui.cli.{other}" not in loaded


def test_installed_adapters_are_scanned_once_per_group(monkeypatch: pytest.MonkeyPatch):
    scans: list[str] = []
    real = registry.entry_points

    def counted(*, group: str) -> Iterable[EntryPoint]:
        scans.append(group)
        return real(group=group)

    monkeypatch.setattr(registry, "entry_points", counted)
    for _ in range(3):
        assert "simulator" in adapter_names(DEPLOY_GROUP)
        assert "prometheus" in adapter_names(METRICS_GROUP)
    load_deploy("simulator")
    assert scans == [DEPLOY_GROUP, METRICS_GROUP]
