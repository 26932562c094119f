"""Absurd and hostile config input: one line naming the place, never a traceback."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any, get_args

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.cli.main import main
from tui.config.checks import GATES
from tui.config.durations import (
    BAKE,
    RESOLUTION,
    TIMEOUT,
    WINDOW,
    Bounds,
    DurationError,
    duration_text,
    parse_duration,
)
from tui.config.errors import ConfigError
from tui.config.load import parse_config
from tui.config.starter import starter
from tui.config.ui import UiSettings
from tui.config.values import DURATIONS
from tui.judge.specs import JudgeSpec, MetricSpec

STARTER = starter()
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def fails(text: str) -> str:
    with pytest.raises(ConfigError) as error:
        parse_config(text, Path("rollwatch.toml"))
    message = str(error.value)
    assert "\n" not in message
    return message


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def with_line(old: str, new: str) -> str:
    assert old in STARTER
    return STARTER.replace(old, new, 1)


RESOLUTION_AFTER = 'query = "requests"'
GATE_AFTER = "tolerance = 0.15"
UI_KEYS = '# keys = { promote = "ctrl+y" }'


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'bake = "2m"',
            'bake = "99999999999h"',
            'judge.bake: must be at most 720h, not "99999999999h"',
        ),
        ('bake = "2m"', "bake = -1", "judge.bake: must be at least 0s, not -1"),
        (
            RESOLUTION_AFTER,
            f'{RESOLUTION_AFTER}\nresolution = "0s"',
            'metric[1].resolution: must be at least 1s, not "0s"',
        ),
        (
            RESOLUTION_AFTER,
            f'{RESOLUTION_AFTER}\nresolution = "-10s"',
            'metric[1].resolution: must be at least 1s, not "-10s"',
        ),
        (
            RESOLUTION_AFTER,
            f"{RESOLUTION_AFTER}\nresolution = -10",
            "metric[1].resolution: must be at least 1s, not -10",
        ),
        (
            RESOLUTION_AFTER,
            f'{RESOLUTION_AFTER}\nresolution = "0.001s"',
            'metric[1].resolution: must be at least 1s, not "0.001s"',
        ),
        ('window = "15m"', 'window = "2d"', 'ui.window: must be at most 24h, not "2d"'),
        (
            'window = "15m"',
            'window = "15 minutes"',
            'ui.window: must be a duration like "30s", "5m" or "1h30m", or a number of seconds, '
            'not "15 minutes"',
        ),
        ('window = "15m"', 'window = "25h"', 'ui.window: must be at most 24h, not "25h"'),
        (
            GATE_AFTER,
            f"{GATE_AFTER}\nweight = inf",
            "gate[3].weight: must be a finite number, not inf",
        ),
        (
            GATE_AFTER,
            f"{GATE_AFTER}\nweight = nan",
            "gate[3].weight: must be a finite number, not nan",
        ),
        (
            GATE_AFTER,
            f"{GATE_AFTER}\nweight = -inf",
            "gate[3].weight: must be a finite number, not -inf",
        ),
        (
            '# theme = "textual-dark"',
            'theme = "nrod"',
            "ui.theme: no theme 'nrod'; did you mean nord?",
        ),
        (
            '# theme = "textual-dark"',
            'theme = "solarized"',
            "ui.theme: no theme 'solarized'; did you mean solarized-dark?",
        ),
        (
            UI_KEYS,
            'keys = { promot = "x" }',
            "ui.keys: no binding 'promot'; did you mean promote?",
        ),
        (
            UI_KEYS,
            'keys = { promote = "q" }',
            "ui.keys: promote and quit are both on 'q'; give one another key",
        ),
        (
            UI_KEYS,
            'keys = { abort = "h", help = "h,question_mark" }',
            "ui.keys: abort and help are both on 'h'; give one another key",
        ),
        (
            UI_KEYS,
            'keys = { promote = "ctrl+p" }',
            "ui.keys: promote = 'ctrl+p': Textual keeps ctrl+p for the command palette",
        ),
        (
            UI_KEYS,
            'keys = { promote = "" }',
            'ui.keys: promote = \'\' is no key; write e.g. "p" or "ctrl+p,p"',
        ),
    ],
)
def test_absurd_values_are_one_line_with_file_line_and_field(old, new, expected):
    text = with_line(old, new)
    last = new.splitlines()[-1]
    assert fails(text) == f"rollwatch.toml:{line_of(text, last)}: {expected}"


def test_an_array_nested_5000_deep_is_refused_at_its_line():
    text = with_line("[ui]", "[ui]\nx = " + "[" * 5000 + "]" * 5000)
    assert fails(text) == (
        f"rollwatch.toml:{line_of(text, 'x = [')}: TOML nested too deeply; "
        "no rollwatch setting goes 10 levels deep"
    )


def test_nesting_the_parser_survives_is_refused_before_anything_walks_it():
    text = with_line("seed = 7", "seed = 7\nlabels = " + "[" * 40 + "]" * 40)
    message = fails(text)
    assert message.startswith(f"rollwatch.toml:{line_of(text, 'labels')}: deploy.labels[1][1]")
    assert message.endswith("nested more than 10 levels deep; no rollwatch setting goes that deep")


def test_a_number_too_long_to_read_is_refused_at_its_line():
    text = with_line("seed = 7", "seed = " + "9" * 5000)
    assert fails(text) == (
        f"rollwatch.toml:{line_of(text, 'seed = 9')}: TOML number too long to read; "
        "write a shorter one"
    )


def test_control_characters_in_a_key_cannot_break_the_line_or_reach_the_terminal():
    text = with_line("[ui]", '[ui]\n"\\u001b]0;owned\\u0007\\n\\u001b[2J" = 1')
    message = fails(text)
    assert message.startswith(f"rollwatch.toml:{line_of(text, 'owned')}: ui.\\x1b]0;owned\\x07")
    assert message.endswith(": unknown key; use one of: read_only, window, theme, bell, keys")


@pytest.mark.parametrize(
    "text", ["a = [" + "[" * 5000, "seed = " + "1" * 5000, 'bake = "99999999999h"']
)
def test_config_check_says_it_in_one_line_and_exits_2(tmp_path, capsys, text):
    path = tmp_path / "rollwatch.toml"
    path.write_text(STARTER.replace('bake = "2m"', text) if "bake" in text else text)
    with pytest.raises(SystemExit) as exit:
        main(["config", "check", "--config", str(path)])
    out, err = capsys.readouterr()
    assert exit.value.code == 2 and out == ""
    assert err.startswith(f"rollwatch: {path}:") and err.count("\n") == 1, err


# Durations: one parser with bounds


@PROPERTY
@given(st.timedeltas(min_value=BAKE.shortest, max_value=BAKE.longest))
def test_every_duration_in_range_reads_back_from_its_text(delta: timedelta):
    assert parse_duration(duration_text(delta), BAKE) == delta


DURATION_INPUT = st.one_of(
    st.text(),
    st.from_regex(r"-?\d{0,15}(\.\d{0,8})?[hms]?( ?\d{0,15}[hms])?", fullmatch=True),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.none(),
)


@PROPERTY
@given(DURATION_INPUT, st.sampled_from([RESOLUTION, WINDOW, BAKE, TIMEOUT]))
def test_a_duration_is_in_bounds_or_a_one_line_duration_error(value: Any, bounds: Bounds):
    try:
        delta = parse_duration(value, bounds)
    except DurationError as error:
        assert "\n" not in str(error) and str(error).startswith("must be")
    else:
        assert bounds.shortest <= delta <= bounds.longest


# The loader on arbitrary text: it loads or raises ConfigError, nothing else


def loads_or_config_error(text: str) -> None:
    try:
        parse_config(text, Path("rollwatch.toml"))
    except ConfigError as error:
        assert "\n" not in str(error)


@PROPERTY
@given(st.text())
def test_any_text_loads_or_is_a_config_error(text: str):
    loads_or_config_error(text)


LINES = STARTER.splitlines()
TOML_TEXT = st.text(alphabet=st.sampled_from(list("[]{}=\".,# '-+_0123456789aefinstrux\\")))


@PROPERTY
@given(st.integers(0, len(LINES) - 1), TOML_TEXT)
def test_the_starter_with_one_line_garbled_loads_or_is_a_config_error(index: int, line: str):
    loads_or_config_error("\n".join([*LINES[:index], line, *LINES[index + 1 :]]))


KEYS = [
    "kind", "name", "metric", "query", "window", "resolution", "bake", "weight", "theme", "keys",
    "seed", "scenario", "namespace", "url", "headers", "token", "min_samples", "split", "x",
]  # fmt: skip
SCALARS = st.one_of(
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.text(max_size=30),
    st.sampled_from(["5m", "0s", "-1s", "1h30m", "PT1M", "healthy", "simulator", "q", "nord"]),
    st.datetimes(),
    st.dates(),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner),
    max_leaves=12,
)


@PROPERTY
@given(
    st.sampled_from(["deploy", "metrics", "metric", "gate", "judge", "ui", "extra"]),
    st.sampled_from(KEYS),
    VALUES,
)
def test_the_starter_with_one_value_changed_loads_or_is_a_config_error(
    table: str, key: str, value: Any
):
    data: dict[str, Any] = tomllib.loads(STARTER)
    target = data.setdefault(table, {})
    for item in target if isinstance(target, list) else [target]:
        item[key] = value
    loads_or_config_error(tomli_w.dumps(data))


def test_every_duration_setting_is_read_with_bounds():
    """A duration field added to a table without bounds would skip the checks above."""
    tables = [("metric", MetricSpec), ("judge", JudgeSpec), ("ui", UiSettings)]
    tables += [("gate", model) for model in GATES.values()]
    for table, model in tables:
        for name, info in model.model_fields.items():
            if timedelta in (info.annotation, *get_args(info.annotation)):
                assert (table, name) in DURATIONS, f"{table}.{name}"
