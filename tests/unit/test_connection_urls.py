"""A server URL that cannot be one is a one-line config error naming where it came from, and a
URL's password never shows in that line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.config.errors import ConfigError
from tui.config.load import load_config
from tui.config.starter import starter


def config_error(tmp_path: Path, deploy_url: str, env: dict[str, str] | None = None) -> str:
    text = starter("http", "prometheus").replace(
        'url = "http://127.0.0.1:8787"', f'url = "{deploy_url}"'
    )
    path = tmp_path / "rollwatch.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, env=env or {})
    message = str(caught.value)
    assert "\n" not in message
    assert "failed checking its options" not in message, "the URL check itself must not crash"
    return message


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("::::", "must be an http:// or https:// URL, not '::::'"),
        ("http://127.0.0.1:99999", "the port must be between 1 and 65535, not 99999"),
        ("http://127.0.0.1:0", "the port must be between 1 and 65535, not 0"),
        ("http://[::1", "must be an http:// or https:// URL, not 'http://[::1'"),
        ("ftp://deployer", "must be an http:// or https:// URL with a host"),
    ],
)
def test_a_url_that_cannot_be_reached_is_one_line(tmp_path, url, problem):
    message = config_error(tmp_path, url)
    assert "deploy.url" in message and problem in message


def test_the_metrics_url_from_the_environment_is_checked_the_same_way(tmp_path):
    text = starter("http", "prometheus")
    path = tmp_path / "rollwatch.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={"ROLLWATCH_METRICS_URL": "::::"})
    message = str(caught.value)
    assert message.startswith("$ROLLWATCH_METRICS_URL")
    assert "must be an http:// or https:// URL, not '::::'" in message


@pytest.mark.parametrize(
    "url",
    [
        "ftp://alice:pa55w0rd-x@deployer",
        "http://alice:pa55w0rd-x@[::1",
        "gopher://alice:pa55w0rd-x@h:99999",
    ],
)
def test_a_password_in_a_bad_url_is_not_repeated(tmp_path, url):
    message = config_error(tmp_path, url)
    assert "pa55w0rd-x" not in message
    assert "alice:***@" in message


def test_a_header_that_would_break_the_request_is_refused_without_its_value(tmp_path):
    text = starter("http", "prometheus") + "\n"
    text = text.replace("[metrics]", '[metrics]\nheaders = { "X-Api-Key" = "k3y\\nInjected: 1" }')
    path = tmp_path / "rollwatch.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match="X-Api-Key holds a line break") as caught:
        load_config(path, env={})
    assert "k3y" not in str(caught.value)
