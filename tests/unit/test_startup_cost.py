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
from tui.cli.main import COMMANDS, build_parser


def test_the_command_table_names_every_command_in_help_order():
    parser, commands = build_parser()
    assert set(commands) == set(COMMANDS)
    listed = re.findall(r"^ {4}(\S+)", parser.format_help(), re.MULTILINE)
    assert listed == list(COMMANDS)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_command_built_alone_has_the_parser_of_the_full_build(name: str):
    _, alone = build_parser(name)
    _, full = build_parser()
    assert set(alone) == {other for other, module in COMMANDS.items() if module == COMMANDS[name]}
    assert alone[name][0].format_help() == full[name][0].format_help()
    assert alone[name][1] is full[name][1]


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
