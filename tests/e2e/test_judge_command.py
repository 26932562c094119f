"""`rollwatch judge`: recorded series replayed through the configured gates, file by file."""

from __future__ import annotations

import argparse
import json
import math
import random
from pathlib import Path
from typing import Any

import pytest

from tui.cli import judge as judge_command
from tui.cli.main import build_parser
from tui.config.starter import starter
from tui.judge.data import Memory, MetricData
from tui.judge.specs import CountGate, MetricSpec
from tui.judge.verdict import evaluate_gate

START = 1_800_000_000


def parse(*argv: str) -> argparse.Namespace:
    parser, _ = build_parser("judge")
    return parser.parse_args(["judge", *argv])


def recording(seed: int, n: int, canary_errors: float) -> dict[str, Any]:
    """2,000 vs 50 requests per 10 s, errors Poisson, latency log-normal, in the starter's names."""
    rng = random.Random(seed)

    def poisson(mean: float) -> int:
        k, p, u = 0, math.exp(-mean), rng.random()
        cdf = p
        while u > cdf:
            k += 1
            p *= mean / k
            cdf += p
        return k

    metrics: dict[str, dict[str, list[list[float]]]] = {
        name: {"stable": [], "canary": []}
        for name in ("requests", "errors", "error rate", "p50 latency", "p99 latency")
    }
    for i in range(n):
        t = START + 10 * i
        for side, requests, ratio in (("stable", 2000, 0.002), ("canary", 50, canary_errors)):
            errors = poisson(requests * ratio) if requests * ratio < 30 else requests * ratio
            metrics["requests"][side].append([t, requests / 10])
            metrics["errors"][side].append([t, errors / 10])
            metrics["error rate"][side].append([t, 100 * errors / requests])
            metrics["p50 latency"][side].append([t, 42 * math.exp(rng.gauss(0, 0.06))])
            metrics["p99 latency"][side].append([t, 180 * math.exp(rng.gauss(0, 0.12))])
    return {"resolution": "10s", "metrics": metrics}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "rollwatch.toml").write_text(starter())
    paths = {}
    for name, seed, ratio in (("healthy", 1, 0.002), ("incident", 2, 0.012)):
        paths[name] = tmp_path / f"{name}.json"
        paths[name].write_text(json.dumps(recording(seed, 120, ratio)))
    paths["config"] = tmp_path / "rollwatch.toml"
    return paths


def test_json_says_per_file_when_each_gate_first_failed(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    paths = str(files["healthy"]), str(files["incident"])
    assert judge_command.run(parse(*paths, "--json", "--config", str(files["config"]))) == 1
    healthy, incident = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert healthy["file"] == str(files["healthy"]) and healthy["verdict"] == "pass"
    assert [g["name"] for g in healthy["gates"]] == [
        "p99 latency",
        "errors",
        "p50 latency",
        "error rate",
    ]
    assert all(g["first_fail_ts"] is None for g in healthy["gates"])
    assert set(healthy["gates"][0]) == {"name", "metric", "status", "first_fail_ts", "explanation"}
    errors = {g["name"]: g for g in incident["gates"]}["errors"]
    assert (errors["metric"], errors["status"]) == ("errors", "fail")
    assert START < errors["first_fail_ts"] < START + 10 * 40
    assert "— High: evidence" in errors["explanation"]
    assert incident["verdict"] == "marginal"  # errors is not critical: 3 of 4 gates pass


def test_the_replay_is_what_a_watch_would_have_seen(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Looking after every sample with one memory fails the gate at the same sample."""
    judge_command.run(parse(str(files["incident"]), "--config", str(files["config"]), "--json"))
    replayed = {g["name"]: g for g in json.loads(capsys.readouterr().out)["gates"]}["errors"]
    raw = json.loads(files["incident"].read_text())["metrics"]
    specs = {
        name: MetricSpec(name=name, query="q", unit=unit)
        for name, unit in (("errors", "errors/s"), ("requests", "requests/s"))
    }
    gate, memory = CountGate(name="errors", numerator="errors", denominator="requests"), Memory()
    watched = None
    for i in range(120):
        now = START + 10.0 * i
        seen = {
            name: MetricData(
                specs[name],
                stable=[(t, v) for t, v in raw[name]["stable"][: i + 1]],
                canary=[(t, v) for t, v in raw[name]["canary"][: i + 1]],
            )
            for name in specs
        }
        if evaluate_gate(gate, seen, now, memory).status.value == "fail":
            watched = now
            break
    assert watched == replayed["first_fail_ts"]


def test_text_names_the_failure_time_and_the_final_line(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    judge_command.run(parse(str(files["incident"]), "--config", str(files["config"])))
    text = capsys.readouterr().out
    assert text.startswith(f"{files['incident']}: marginal — score 75 (3 of 4 gates pass; ")
    assert "  errors: failed at 2027-01-15 08:" in text
    assert "  p99 latency: never failed\n    p99 latency: canary " in text


def test_an_unusable_file_is_one_line_and_the_others_are_still_judged(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"resolution": "10s", "metrics": {"errors": {"canary": [[1, 2, 3]]}}}')
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    args = parse(str(broken), str(garbage), str(files["healthy"]), "--config", str(files["config"]))
    assert judge_command.run(args) == 2
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        f"rollwatch: {broken}: metrics.errors.canary[0]: expected [unix_ts, value], not [1, 2, 3]",
        f"rollwatch: {garbage}: not JSON: Expecting property name enclosed in double quotes"
        " at line 1",
    ]
    assert out.startswith(f"{files['healthy']}: pass")


def test_many_files_share_one_start(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    loads = []
    real = judge_command.load_config
    monkeypatch.setattr(judge_command, "load_config", lambda path: loads.append(path) or real(path))
    many = [str(files["healthy"])] * 12
    assert judge_command.run(parse(*many, "--json", "--config", str(files["config"]))) == 0
    assert len(capsys.readouterr().out.splitlines()) == 12
    assert loads == [files["config"]]
