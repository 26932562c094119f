"""`rollwatch promote` answers to the gates as the watch screen does: it refuses (exit 1) while a
gate does not pass, naming each one, unless `--override "reason"` says why; the override is
recorded with who, when, which gates and why."""

from __future__ import annotations

import re

import pytest

from tui.cli.main import main

REGRESSION = ["--backend", "simulator", "-o", "scenario=latency-regression"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exit.value.code or 0), out, err


def test_promote_over_a_failing_gate_is_refused_with_the_gates_lines(capsys) -> None:
    code, out, err = run(capsys, "promote", "shop/checkout-api", *REGRESSION)
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert lines[0] == "rollwatch: not promoting shop/checkout-api: not every gate passes"
    assert lines[1].startswith("  verdict  FAIL: score 0 (critical gate p99 latency High)")
    assert any(re.match(r"    fail +p99 latency: canary \d+ ms vs stable", line) for line in lines)
    assert not any(line.lstrip().startswith("pass ") for line in lines), "only what fails"
    assert lines[-1] == (
        'to promote anyway, say why: rollwatch promote shop/checkout-api --override "reason"'
    )


def test_an_override_promotes_and_is_recorded(capsys, monkeypatch) -> None:
    monkeypatch.setenv("USER", "maria")
    code, out, err = run(
        capsys, "promote", "shop/checkout-api", *REGRESSION, "--override", "hotfix for INC-42"
    )
    assert code == 0, err
    override, moved = out.splitlines()
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ override: promoted over p99 latency, [^—]*"
        r' — "hotfix for INC-42" \(by maria\)',
        override,
    ), override
    assert moved.startswith("promote shop/checkout-api: progressing, step 3/7")


def test_promote_over_passing_gates_needs_no_override(capsys) -> None:
    code, out, err = run(capsys, "promote", "shop/checkout-api", "--backend", "simulator")
    assert code == 0, err
    assert out.startswith("promote shop/checkout-api: progressing, step 3/7")
    assert "override" not in out


def test_an_override_must_say_why(capsys) -> None:
    code, _, err = run(capsys, "promote", "shop/checkout-api", *REGRESSION, "--override", " ")
    assert code == 2
    assert "say why the gates are overridden" in err
