"""The command line: output, exit codes and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version

import pytest

from tests.helpers.sim_server import sim_serve_process
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
    assert rollouts[0]["step"] == {"number": 2, "of": 7, "label": None}, "2/7, as the table says"


def test_status_json(capsys):
    with pytest.raises(SystemExit) as exit:
        main(
            [
                "status",
                "shop/checkout-api",
                "--json",
                "--backend",
                "simulator",
                "-o",
                "scenario=latency-regression",
            ]
        )
    assert exit.value.code == 0
    rollout = json.loads(capsys.readouterr().out)
    assert rollout["phase"] == "paused" and rollout["revisions"]["canary"] == "7d5f8b6c4d"
    assert rollout["change"]["title"] == "Validate cart items against inventory"
    assert rollout["step"]["number"] == 2 and rollout["step"]["of"] == 7


def test_status_without_an_id_follows_the_first_rollout_in_progress(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["status", "--backend", "simulator"])
    assert exit.value.code == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("shop/checkout-api: paused")
    assert "following shop/checkout-api, the first of 3 rollouts in progress" in captured.err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["status", "shop/nope", "--backend", "simulator"], "no rollout 'shop/nope'"),
        (["demo", "--scenario", "meteor"], "invalid choice: 'meteor'"),
        (["demo", "--speed", "0"], "must be more than 0"),
        (["demo", "--speed", "inf"], "--speed: 'inf' is not a finite number"),
        (["list", "--backend", "spinnaker"], "--backend: unknown deploy adapter 'spinnaker'"),
        (["list", "--backend", "simulator", "-o", "sede=7"], "-o sede: unknown key; did you "),
        (["status", "--backend", "simulator", "-o", "scenario=helthy"], "-o scenario: unknown"),
        (["wait", "--backend", "simulator", "-o", "speed=0"], "-o speed: must be between 0 and"),
        (["list", "--backend", "simulator", "-o", "seed"], "'seed' is not KEY=VALUE"),
        (["demo", "--bogus"], "unrecognized arguments: --bogus (see `rollwatch demo --help`)"),
        (["status", "-A", "--backend", "simulator"], "(see `rollwatch status --help`)"),
        (["wait", "--backend", "simulator", "--scenario", "healthy"], "unrecognized arguments"),
        (["promote", "shop/checkout-api", "--expect-step", "0"], "counted from 1, as shown"),
        (["abort", "shop/checkout-api", "--expect-step", "-1"], "counted from 1, as shown"),
    ],
)
def test_mistakes_get_one_line_and_exit_2(args: list[str], needle: str):
    code, out, err = run(*args)
    assert code == 2
    assert needle in err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and out == ""


@pytest.mark.parametrize(
    "command",
    ["demo", "watch", "list", "status", "wait", "promote", "abort", "retry", "pause", "resume",
     "judge", "config", "sim-serve"],
)  # fmt: skip
def test_every_command_explains_itself(command: str):
    code, out, _ = run(command, "--help")
    assert code == 0 and "usage: rollwatch" in out and len(out.splitlines()) > 3


def test_simulator_flags_and_all_namespaces_are_only_where_they_mean_something():
    helps = {command: run(command, "--help")[1] for command in ("demo", "list", "status", "wait")}
    assert "--scenario" in helps["demo"] and "--backend" not in helps["demo"]
    assert "--all-namespaces" in helps["list"]
    for command in ("status", "wait"):
        assert "--scenario" not in helps[command] and "--all-namespaces" not in helps[command]
        assert "--backend" in helps[command] and "KEY=VALUE" in helps[command]


def test_version():
    code, out, _ = run("--version")
    assert code == 0 and out.strip() == f"rollwatch {version('rollwatch')}"


@pytest.mark.parametrize(("scenario", "code"), [("latency-regression", 1), ("healthy", 0)])
def test_wait_on_the_simulator_ends_with_the_rollout(scenario: str, code: int):
    """The real command at 60x speed: both finish well within a minute.

    Nobody is there to confirm the simulator's pauses, so it confirms them itself after two
    simulated minutes (`auto_confirm`); the regression fails before that.
    """
    options = [f"scenario={scenario}", "speed=60", "auto_confirm=120"]
    exit_code, out, err = run(
        "wait", "--backend", "simulator", *(f"-o{o}" for o in options), "--json"
    )
    assert exit_code == code, err
    records = [json.loads(line) for line in out.splitlines()]
    assert records[-1]["result"]["exit"] == code
    if code == 1:
        assert records[-1]["result"]["reason"].startswith("gate failed: p99 latency")
    else:
        assert any(r["phase"] == "healthy" for r in records)
        steps = [r["step"]["number"] for r in records]
        assert steps[-1] == 7 and steps == sorted(steps), steps


def test_wait_timeout_exits_3():
    code, out, _ = run("wait", "--backend", "simulator", "--timeout", "1s")
    assert code == 3 and out.splitlines()[-1] == "timed out after 1s"


def test_promote_and_abort_from_a_script(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["promote", "shop/checkout-api", "--backend", "simulator", "--expect-step", "2"])
    assert exit.value.code == 0
    assert capsys.readouterr().out.startswith("promote shop/checkout-api: progressing, step 3/7")
    with pytest.raises(SystemExit) as exit:
        main(["abort", "shop/checkout-api", "--backend", "simulator"])
    assert exit.value.code == 0
    assert capsys.readouterr().out.startswith("abort shop/checkout-api: aborted")


def test_a_failed_precondition_changes_nothing():
    code, out, err = run(
        "promote", "shop/checkout-api", "--backend", "simulator", "--expect-step", "3"
    )
    assert code == 1 and out == ""
    assert err.strip() == (
        "rollwatch: shop/checkout-api moved on: it is at step 2/7, you confirmed step 3/7"
    )


def test_an_action_the_adapter_lacks_is_refused_in_the_adapters_name(tmp_path):
    """The http adapter's API has no pause; the message names the adapter, not the server."""
    with sim_serve_process("healthy", speed=1) as url:
        config = tmp_path / "rollwatch.toml"
        config.write_text(
            f'[deploy]\nkind = "http"\nurl = "{url}"\n'
            '[metrics]\nkind = "prometheus"\nurl = "http://127.0.0.1:9"\n'
        )
        for action in ("pause", "resume"):
            code, out, err = run(action, "shop/checkout-api", "--config", str(config))
            assert (code, out) == (2, ""), err
            assert err.strip() == f"rollwatch: the http adapter cannot {action} rollouts"


def test_read_only_refuses_every_action(tmp_path):
    config = tmp_path / "rollwatch.toml"
    code, starter, _ = run("config", "init")
    config.write_text(starter.replace("read_only = false", "read_only = true"))
    assert "read_only = true" in config.read_text()
    for action in ("promote", "abort", "retry"):
        code, out, err = run(action, "shop/checkout-api", "--config", str(config))
        assert (code, out) == (2, ""), err
        assert err.strip() == f"rollwatch: read-only mode: rollwatch does not {action} rollouts"
