"""rollwatch.toml: starters, lookup, overrides, one-line errors and masked secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from backends.prometheus import promql
from backends.prometheus.options import PrometheusOptions
from backends.registry import DEPLOY_GROUP, METRICS_GROUP, adapter_names, load_deploy
from backends.simulator.adapter import SimulatorOptions
from backends.simulator.traffic import METRIC_KEYS
from tui.cli.main import main
from tui.config.durations import BAKE, duration_text, parse_duration
from tui.config.effective import effective_config_text
from tui.config.errors import ConfigError
from tui.config.load import demo_config, load_config, parse_config
from tui.config.secrets import inline_secrets, masked
from tui.config.starter import starter, starter_pairs

PAIRS = starter_pairs()
SECRET = "s3cr3t-t0ken-value"


def write(tmp_path: Path, text: str, name: str = "rollwatch.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line containing `needle`."""
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def fails(path: Path, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as error:
        load_config(path, env=env or {})
    message = str(error.value)
    assert "\n" not in message
    return message


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ROLLWATCH_")}
    clean |= {"HOME": str(cwd), "XDG_CONFIG_HOME": str(cwd / "xdg"), **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=clean,
    )
    return proc.returncode, proc.stdout, proc.stderr


# Starters


@pytest.mark.parametrize(("deploy", "metrics"), PAIRS, ids=[f"{d}+{m}" for d, m in PAIRS])
def test_every_starter_validates_and_round_trips(deploy: str, metrics: str):
    config = parse_config(starter(deploy, metrics), None)
    assert (config.deploy.kind, config.metrics.kind) == (deploy, metrics)
    gates = ["p99 latency", "errors", "p50 latency", "error rate"]
    assert [g.name for g in config.gate] == gates
    again = parse_config(effective_config_text(config), None)
    assert again == config


def test_every_builtin_adapter_has_a_starter_and_every_starter_kind_is_an_entry_point():
    assert {d for d, _ in PAIRS} == {"simulator", "http", "argo", "kubernetes", "flagger"}
    assert {m for _, m in PAIRS} == {"simulator", "prometheus"}
    assert {d for d, _ in PAIRS} <= set(adapter_names(DEPLOY_GROUP))
    assert {m for _, m in PAIRS} <= set(adapter_names(METRICS_GROUP))


@pytest.mark.parametrize(("deploy", "metrics"), PAIRS, ids=[f"{d}+{m}" for d, m in PAIRS])
def test_starter_options_are_the_adapters_own(deploy: str, metrics: str):
    """Where an adapter publishes its options model, the starter's table passes it."""
    config = parse_config(starter(deploy, metrics), None)
    if deploy == "simulator":
        SimulatorOptions(**config.deploy.options)
        SimulatorOptions(**config.metrics.options)
    if deploy in ("argo", "kubernetes", "flagger"):
        assert load_deploy(deploy).options.model_validate(config.deploy.options).namespace
        assert set(config.deploy.options) <= {"namespace", "loadtester_url"}
    if metrics == "prometheus":
        PrometheusOptions.model_validate(config.metrics.options)


@pytest.mark.parametrize(
    ("deploy", "label"),
    [
        ("http", "revision"),
        ("argo", "rollouts_pod_template_hash"),
        ("kubernetes", "pod_template_hash"),
        ("flagger", "pod_template_hash"),
    ],
)
def test_prometheus_starters_select_revisions_by_the_deploy_systems_label(deploy, label):
    config = parse_config(starter(deploy, "prometheus"), None)
    for metric in config.metric:
        if metric.split:
            assert metric.revision_label == label
            assert f"sum by ({label})" in metric.query or f"le, {label}" in metric.query
            # Both revisions in one query: the adapter needs {revision} only inside =~ matchers.
            assert promql.only_in_regex(metric.query, "revision"), metric.name
        else:
            assert not promql.uses(metric.query, "revision")


def test_the_http_starter_watches_sim_serve_with_a_token_from_the_environment():
    config = parse_config(starter("http", "prometheus"), None)
    assert config.deploy.options == {"url": "http://127.0.0.1:8787"}
    assert config.metrics.options == {"url": "http://localhost:9090"}
    p99 = next(m for m in config.metric if m.name == "p99 latency")
    assert p99.query == (
        "histogram_quantile(0.99, sum by (le, revision) (rate(http_request_duration_seconds_bucket"
        '{service="{service}",revision=~"{revision}"}[1m]))) * 1000'
    )
    assert p99.unit == "ms"


def test_the_demo_config_is_the_simulator_starter():
    config = demo_config()
    assert [m.name for m in config.metric if m.show] == [
        "requests",
        "error rate",
        "p50 latency",
        "p99 latency",
        "db p99",
    ]
    gates = {g.name: g for g in config.gate}
    assert set(gates) == {"p99 latency", "errors", "p50 latency", "error rate"}
    assert gates["p99 latency"].kind == "continuous" and gates["p99 latency"].critical
    assert gates["errors"].kind == "count"
    assert config.judge.bake == timedelta(minutes=2)
    assert {m.query for m in config.metric} <= set(METRIC_KEYS)
    assert config.source is None and not config.ui.read_only


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("5m", 300), ("1h30m", 5400), ("1h 30m", 5400), ("0.5s", 0.5), ("2h", 7200)],
)
def test_durations_read_as_people_write_them(text: str, seconds: float):
    delta = parse_duration(text, BAKE)
    assert delta == timedelta(seconds=seconds)
    assert parse_duration(duration_text(delta), BAKE) == delta


@pytest.mark.parametrize("value", ['"90s"', "90", '"PT1M30S"', "90.0"])
def test_a_window_may_be_a_duration_seconds_or_iso(tmp_path, value: str):
    text = starter().replace('window = "15m"', f"window = {value}")
    assert load_config(write(tmp_path, text), env={}).ui.window == timedelta(seconds=90)


# Errors: file, line, field, fix


def test_toml_syntax_error_names_the_file_and_line(tmp_path):
    text = starter().replace('scenario = "healthy"', "scenario = healthy")
    path = write(tmp_path, text)
    assert fails(path) == (
        f"{path}:{line_of(text, 'scenario = healthy')}: TOML syntax: invalid value; "
        'quote text ("5m", "simulator"); true and false are lower case'
    )


def test_a_typo_in_a_key_suggests_the_real_one(tmp_path):
    text = starter().replace("tolerance = 0.15", "tolerence = 0.15")
    path = write(tmp_path, text)
    assert fails(path) == (
        f"{path}:{line_of(text, 'tolerence')}: gate[3].tolerence: unknown key; "
        "did you mean tolerance?"
    )


def test_a_gate_on_a_missing_metric_names_the_close_one(tmp_path):
    text = starter().replace('metric = "p50 latency"', 'metric = "p50 latncy"')
    path = write(tmp_path, text)
    assert fails(path) == (
        f"{path}:{line_of(text, 'p50 latncy')}: gate[3].metric: no [[metric]] named "
        "'p50 latncy'; did you mean 'p50 latency'?"
    )


def test_a_bad_confidence_says_the_range_and_an_example(tmp_path):
    count_gate = 'are no higher".\nconfidence = '
    text = starter().replace(count_gate + "0.99", count_gate + "1.5")
    path = write(tmp_path, text)
    assert fails(path) == (
        f"{path}:{line_of(text, 'confidence = 1.5')}: gate[2].confidence: "
        "must be between 0 and 1 (e.g. 0.99), not 1.5"
    )


def test_an_unknown_adapter_lists_the_installed_ones(tmp_path):
    text = starter().replace('kind = "simulator"', 'kind = "spinnaker"', 1)
    path = write(tmp_path, text)
    known = ", ".join(adapter_names(DEPLOY_GROUP))
    assert fails(path) == (
        f"{path}:{line_of(text, 'spinnaker')}: deploy.kind: unknown deploy adapter "
        f"'spinnaker'; use one of: {known}"
    )


def test_a_missing_config_file_says_how_to_make_one(tmp_path):
    path = tmp_path / "nowhere.toml"
    assert fails(path) == f"{path}: no such file; create it with `rollwatch config init > {path}`"


@pytest.mark.parametrize(
    ("old", "new", "needle", "field", "problem"),
    [
        (
            'name = "error rate"\nkind = "threshold"',
            'name  = "p50 latency"\nkind = "threshold"',
            'name  = "p50 latency"',
            "gate[4].name",
            "'p50 latency' is also gate[3]; names must differ",
        ),
        (
            'metric = "p50 latency"',
            'metric = "db p99"',
            'metric = "db p99"',
            "gate[3].metric",
            "'db p99' is split = false (one series for both revisions), so a relative gate "
            "cannot compare canary with stable; use a threshold gate",
        ),
        (
            'kind = "relative"',
            'kind = "relativ"',
            'kind = "relativ"',
            "gate[3].kind",
            "unknown gate kind 'relativ'; did you mean relative?",
        ),
        (
            'bake = "2m"',
            'bake = "2 minutes"',
            "bake =",
            "judge.bake",
            'must be a duration like "30s", "5m" or "1h30m", or a number of seconds, '
            'not "2 minutes"',
        ),
        (
            'better = "higher"',
            'better = "up"',
            'better = "up"',
            "metric[1].better",
            "must be 'lower' or 'higher', not \"up\"",
        ),
        (
            'metric = "error rate"\nmax = 1.0',
            'metric = "error rate"',
            "# window = ",
            "gate[4]",
            "a threshold gate needs max, min or both",
        ),
        (
            "[ui]",
            "[[ui]]",
            "[[ui]]",
            "ui",
            "must be a table: write [ui] on its own line, then its keys",
        ),
        (
            'query = "requests"',
            'query = "requests"\nresolution = "1 minute"',
            "resolution =",
            "metric[1].resolution",
            'must be a duration like "30s", "5m" or "1h30m", or a number of seconds, '
            'not "1 minute"',
        ),
    ],
)
def test_cross_table_and_type_mistakes(tmp_path, old, new, needle, field, problem):
    text = starter().replace(old, new)
    path = write(tmp_path, text)
    line = line_of(text, needle)
    if field == "gate[4]":
        line = max(n for n in range(1, line) if text.splitlines()[n - 1] == "[[gate]]")
    assert fails(path) == f"{path}:{line}: {field}: {problem}"


def test_lines_inside_a_multi_line_query_are_not_mistaken_for_keys(tmp_path):
    text = starter("http", "prometheus")
    text = text.replace('unit = "%"', 'unit = "%"\nscale = "big"')
    text = text.replace("100 * (", "100 * (\nscale = 3 # not a key, part of the query")
    path = write(tmp_path, text)
    line = line_of(text, 'scale = "big"')
    assert fails(path).startswith(f"{path}:{line}: metric[2].scale: must be a number")


def test_a_missing_table_and_a_missing_kind_say_what_to_add(tmp_path):
    known = ", ".join(adapter_names(DEPLOY_GROUP))
    path = write(tmp_path, '[metrics]\nkind = "simulator"\n')
    assert fails(path) == (
        f'{path}: deploy: missing; add a [deploy] table with kind = "<adapter>", one of: {known}'
    )
    path = write(tmp_path, '[deploy]\nscenario = "healthy"\n[metrics]\nkind = "simulator"\n')
    assert fails(path) == (
        f'{path}:1: deploy.kind: required; add kind = "<adapter>", one of: {known}'
    )


# Lookup order and environment overrides


def test_lookup_prefers_the_current_directory_then_the_user_config_dir(tmp_path, monkeypatch):
    xdg, work = tmp_path / "xdg", tmp_path / "work"
    (xdg / "rollwatch").mkdir(parents=True)
    work.mkdir()
    user = write(xdg / "rollwatch", starter())
    monkeypatch.chdir(work)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    assert load_config(env={}).source == user
    write(work, starter())
    assert load_config(env={}).source == Path("rollwatch.toml")


def test_the_user_config_dir_defaults_to_dot_config(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".config" / "rollwatch").mkdir(parents=True)
    path = write(tmp_path / ".config" / "rollwatch", starter())
    assert load_config(env={}).source == path


def test_rollwatch_config_names_the_file_unless_a_path_is_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, starter())
    other = write(tmp_path, starter(), "other.toml")
    explicit = write(tmp_path, starter(), "explicit.toml")
    assert load_config(env={"ROLLWATCH_CONFIG": str(other)}).source == other
    assert load_config(explicit, env={"ROLLWATCH_CONFIG": str(other)}).source == explicit
    gone = tmp_path / "gone.toml"
    with pytest.raises(ConfigError, match=r"gone.toml: no such file \(from \$ROLLWATCH_CONFIG\)"):
        load_config(env={"ROLLWATCH_CONFIG": str(gone)})


def test_no_config_anywhere_says_how_to_make_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    with pytest.raises(ConfigError) as error:
        load_config(env={})
    assert str(error.value) == (
        f"no rollwatch.toml here or in {tmp_path / 'xdg' / 'rollwatch'}; create one with "
        "`rollwatch config init > rollwatch.toml`, or pass --config PATH"
    )


def test_environment_overrides(tmp_path):
    path = write(tmp_path, starter("http", "prometheus"))
    env = {
        "ROLLWATCH_DEPLOY_KIND": "simulator",
        "ROLLWATCH_METRICS_URL": "https://thanos.example:10902",
        "ROLLWATCH_READ_ONLY": "1",
    }
    config = load_config(path, env=env)
    assert config.deploy.kind == "simulator"
    assert config.metrics.options["url"] == "https://thanos.example:10902"
    assert config.ui.read_only is True
    read_only = write(
        tmp_path, starter().replace("read_only = false", "read_only = true"), "ro.toml"
    )
    assert load_config(read_only, env={"ROLLWATCH_READ_ONLY": "0"}).ui.read_only is False
    assert load_config(read_only, env={"ROLLWATCH_READ_ONLY": ""}).ui.read_only is True


def test_a_bad_override_names_the_variable(tmp_path):
    path = write(tmp_path, starter())
    known = ", ".join(adapter_names(DEPLOY_GROUP))
    assert fails(path, {"ROLLWATCH_DEPLOY_KIND": "nomad"}) == (
        f"$ROLLWATCH_DEPLOY_KIND: deploy.kind: unknown deploy adapter 'nomad'; use one of: {known}"
    )
    assert fails(path, {"ROLLWATCH_READ_ONLY": "maybe"}) == (
        "$ROLLWATCH_READ_ONLY: must be 1 or 0, not 'maybe'"
    )


# Secrets


def test_effective_config_masks_secrets_and_keeps_references(tmp_path):
    text = (
        starter("http", "prometheus")
        .replace('# token_env = "ROLLWATCH_TOKEN"', f'token = "{SECRET}"')
        .replace(
            'url = "http://localhost:9090"',
            'url = "https://prom:9090"\n'
            f'headers = {{ Authorization = "Bearer {SECRET}", "X-Scope-OrgID" = "shop" }}',
        )
    )
    config = load_config(write(tmp_path, text), env={})
    shown = effective_config_text(config)
    assert SECRET not in shown
    assert 'token = "***"' in shown
    assert '[metrics.headers]\nAuthorization = "***"\nX-Scope-OrgID = "shop"\n' in shown
    copied = inline_secrets(parse_config(shown, None))
    assert "deploy.token is ***, the mask `config check` prints, not the secret itself" in copied
    (tmp_path / "token").write_text(SECRET)
    text = text.replace(f'token = "{SECRET}"', f'token_file = "{tmp_path / "token"}"')
    shown = effective_config_text(load_config(write(tmp_path, text), env={}))
    assert f'token_file = "{tmp_path / "token"}"' in shown and SECRET not in shown


def test_a_password_in_a_url_is_refused_and_never_repeated(tmp_path):
    text = starter("http", "prometheus").replace(
        'url = "http://localhost:9090"', f'url = "https://bob:{SECRET}@prom:9090"'
    )
    path = write(tmp_path, text)
    message = fails(path)
    assert message.startswith(f"{path}:{line_of(text, 'bob:')}: metrics.url: ")
    assert SECRET not in message
    assert masked({"url": f"https://bob:{SECRET}@prom"}) == {"url": "https://bob:***@prom"}


# The commands, as a user runs them


def test_config_init_prints_the_starter_and_check_accepts_it(tmp_path):
    code, out, err = run("config", "init", "--deploy", "argo", cwd=tmp_path)
    assert (code, err) == (0, "") and out == starter("argo", "prometheus")
    write(tmp_path, out)
    code, out, err = run("config", "check", cwd=tmp_path)
    assert code == 0
    assert parse_config(out, None) == load_config(tmp_path / "rollwatch.toml", env={}).model_copy(
        update={"source": None}
    )
    assert err == (
        "rollwatch: rollwatch.toml is valid: argo rollouts, prometheus metrics, "
        "6 metrics, 4 gates\n"
    )


def test_config_check_masks_and_warns_about_inline_secrets(tmp_path):
    text = (
        starter("http", "prometheus")
        .replace('# token_env = "ROLLWATCH_TOKEN"', f'token = "{SECRET}"')
        .replace('url = "http://localhost:9090"', 'url = "http://p:9090"\ntoken_env = "PROM"')
    )
    write(tmp_path, text, "secret.toml")
    code, out, err = run(
        "config", "check", "--config", "secret.toml", cwd=tmp_path, env={"PROM": SECRET}
    )
    assert code == 0
    assert SECRET not in out + err
    assert 'token = "***"' in out and 'token_env = "PROM"' in out
    assert (
        "rollwatch: warning: secret.toml: deploy.token is a secret written in the file; "
        "set token_env or token_file"
    ) in err.splitlines()


@pytest.mark.parametrize("action", ["check", "init"])
def test_config_actions_explain_themselves(capsys, action: str):
    with pytest.raises(SystemExit) as exit:
        main(["config", action, "--help"])
    assert exit.value.code == 0
    assert f"usage: rollwatch config {action}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("config", "check", "--config", "missing.toml"),
            "rollwatch: missing.toml: no such file; create it with "
            "`rollwatch config init > missing.toml`",
        ),
        (
            ("config", "check", "--config", "broken.toml"),
            f"rollwatch: broken.toml:{line_of(starter(), 'bake =')}: judge.bake: must be",
        ),
        (
            ("config", "init", "--deploy", "nomad"),
            "rollwatch: no starter for deploy adapter 'nomad'; "
            "starters: argo, flagger, http, kubernetes, simulator",
        ),
        (
            ("config", "init", "--metrics", "datadog"),
            "rollwatch: no starter for metrics adapter 'datadog'; starters: prometheus, simulator",
        ),
        (
            ("config", "init", "--deploy", "argo", "--metrics", "simulator"),
            "rollwatch: simulator metrics do not describe argo rollouts; "
            "use --metrics prometheus with --deploy argo",
        ),
        (("config",), "rollwatch config: the following arguments are required: ACTION"),
    ],
)
def test_config_mistakes_are_one_line_and_exit_2(tmp_path, args, expected):
    write(tmp_path, starter().replace('bake = "2m"', 'bake = "soon"'), "broken.toml")
    code, out, err = run(*args, cwd=tmp_path)
    assert code == 2 and out == ""
    assert err.startswith(expected) and len(err.splitlines()) == 1, err
    assert "Traceback" not in err
