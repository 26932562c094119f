"""The command line: output, exit codes and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tui.cli.main import main


def run(*args: str) -> tuple[int, str, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "tui", *args], capture_output=True, text=True, timeout=60
    )
    return proc.returncode, proc.stdout, proc.stderr


def test_list_shows_every_simulated_rollout(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["list", "--backend", "simulator"])
    assert exit.value.code == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["ID", "PHASE", "STEP"]
    assert any(line.startswith("shop/checkout-api") and "waits for you" in line for line in out)
    assert len(out) == 6


def test_list_json(capsys):
    with pytest.raises(SystemExit):
        main(["list", "--json", "--backend", "simulator"])
    rollouts = json.loads(capsys.readouterr().out)
    assert rollouts[0]["id"] == "shop/checkout-api" and rollouts[0]["awaits_decision"] is True


def test_status_json(capsys):
    with pytest.raises(SystemExit) as exit:
        main(
            [
                "status",
                "shop/checkout-api",
                "--json",
                "--backend",
                "simulator",
                "--scenario",
                "latency-regression",
            ]
        )
    assert exit.value.code == 0
    rollout = json.loads(capsys.readouterr().out)
    assert rollout["phase"] == "paused" and rollout["canary"]["id"] == "7d5f8b6c4d"
    assert rollout["change"]["title"] == "Validate cart items against inventory"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["status", "shop/nope", "--backend", "simulator"], "no rollout 'shop/nope'"),
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


@pytest.mark.parametrize(
    "command", ["demo", "watch", "list", "status", "wait", "promote", "config", "sim-serve"]
)
def test_every_command_explains_itself(command: str):
    code, out, _ = run(command, "--help")
    assert code == 0 and "usage: rollwatch" in out and len(out.splitlines()) > 3


@pytest.mark.parametrize(("scenario", "code"), [("latency-regression", 1), ("healthy", 0)])
def test_wait_on_the_simulator_ends_with_the_rollout(scenario: str, code: int):
    """The real command at 60x speed, as the issue asks: both finish well within a minute."""
    exit_code, out, err = run(
        "wait", "--backend", "simulator", "--scenario", scenario, "--speed", "60", "--json"
    )
    assert exit_code == code, err
    records = [json.loads(line) for line in out.splitlines()]
    assert records[-1]["type"] == "result" and records[-1]["exit"] == code
    if code == 1:
        assert records[-1]["reason"].startswith("gate failed: p99 latency")
    else:
        assert any(r.get("phase") == "healthy" for r in records)


def test_wait_timeout_exits_3():
    code, out, _ = run("wait", "--backend", "simulator", "--timeout", "1s")
    assert code == 3 and out.splitlines()[-1] == "timed out after 1s"


def test_promote_and_abort_from_a_script(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["promote", "shop/checkout-api", "--backend", "simulator", "--expect-step", "2"])
    assert exit.value.code == 0
    assert capsys.readouterr().out.startswith("promote shop/checkout-api: progressing, step 3/7")


def test_a_failed_precondition_changes_nothing():
    code, out, err = run(
        "promote", "shop/checkout-api", "--backend", "simulator", "--expect-step", "3"
    )
    assert code == 1 and out == ""
    assert err.strip() == (
        "rollwatch: shop/checkout-api moved on: it is at step 2/7, you confirmed step 3/7"
    )


def test_an_action_the_adapter_lacks_is_refused():
    code, _, err = run("pause", "shop/checkout-api", "--backend", "simulator")
    assert code == 2 and "cannot pause" in err
