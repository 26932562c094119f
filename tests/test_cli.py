"""The command line: output, exit codes and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tui.cli import main


def run(*args: str) -> tuple[int, str, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "tui", *args], capture_output=True, text=True, timeout=60
    )
    return proc.returncode, proc.stdout, proc.stderr


def test_list_shows_every_simulated_rollout(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["list"])
    assert exit.value.code == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["ID", "PHASE", "STEP"]
    assert any(line.startswith("shop/checkout-api") and "waits for you" in line for line in out)
    assert len(out) == 6


def test_list_json(capsys):
    with pytest.raises(SystemExit):
        main(["list", "--json"])
    rollouts = json.loads(capsys.readouterr().out)
    assert rollouts[0]["id"] == "shop/checkout-api" and rollouts[0]["awaits_decision"] is True


def test_status_json(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["status", "shop/checkout-api", "--json", "--scenario", "latency-regression"])
    assert exit.value.code == 0
    rollout = json.loads(capsys.readouterr().out)
    assert rollout["phase"] == "paused" and rollout["canary"]["id"] == "7d5f8b6c4d"
    assert rollout["change"]["title"] == "Validate cart items against inventory"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["status", "shop/nope"], "no rollout 'shop/nope'"),
        (["demo", "--scenario", "meteor"], "invalid choice: 'meteor'"),
        (["demo", "--speed", "0"], "must be more than 0"),
        (["list", "--backend", "spinnaker"], "unknown deploy adapter 'spinnaker'"),
        (["demo", "--bogus"], "unrecognized arguments: --bogus"),
        ([], "required: COMMAND"),
    ],
)
def test_mistakes_get_one_line_and_exit_2(args: list[str], needle: str):
    code, out, err = run(*args)
    assert code == 2
    assert needle in err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and out == ""


@pytest.mark.parametrize("command", ["demo", "list", "status"])
def test_every_command_explains_itself(command: str):
    code, out, _ = run(command, "--help")
    assert code == 0 and "usage: rollwatch" in out and len(out.splitlines()) > 3
