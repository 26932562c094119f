"""Config mistakes as one line: where (file:line), which field, and what to write instead.

A user meets these before anything else works, so each error says where to look in a form
editors and terminals turn into a link, names the field in rollwatch's own words
(`gate[2].confidence`, tables counted from 1 as a reader counts them) and suggests the fix,
with an example taken from the field's own default where there is one. Values are quoted
masked: a mistyped URL may carry a password.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails, PydanticUndefined

from tui.config.durations import SYNTAX as DURATION_SYNTAX
from tui.config.durations import duration_text
from tui.config.secrets import is_secret_key, masked, shown

Loc = tuple[str | int, ...]

MAX_DEPTH = 10
"""No rollwatch setting nests deeper than a few tables; deeper is a mistake or an attack."""

_AT = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
"""Line breaks and terminal escapes, shown escaped: a message stays one line and inert."""
_BARE = re.compile(r"[A-Za-z0-9_-]+")
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")
_SYNTAX_FIXES = (
    ("Invalid value", 'quote text ("5m", "simulator"); true and false are lower case'),
    ("Unterminated string", "close the string with the quote it opens with"),
    ("Cannot overwrite", "a key is set twice; keep one"),
    ("Cannot declare", "a table is declared twice; use [[name]] for a list of tables"),
    ("Expected ']'", "close the table name with ] (or ]] for [[...]])"),
    ("Expected '='", "write key = value; a key with spaces needs quotes"),
    ("Expected newline", "put one key = value on each line"),
)
_EXAMPLES = {
    "kind": '"simulator"',
    "name": '"p99 latency"',
    "query": '"latency_p99"',
    "metric": '"p99 latency"',
    "numerator": '"errors"',
    "denominator": '"requests"',
}


class ConfigError(Exception):
    """A mistake in rollwatch.toml (or an override); str() is the whole message, one line.

    Whatever a message quotes (a value, an adapter's own words) cannot break the line or reach
    the terminal as an escape sequence.
    """

    def __init__(
        self,
        problem: str,
        *,
        source: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.source, self.line, self.field, self.problem = source, line, field, problem
        where = f"{source}:{line}" if source and line else source
        message = ": ".join(part for part in (where, field, problem) if part)
        super().__init__(_CONTROL.sub(lambda found: repr(found.group())[1:-1], message))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """The one way rollwatch suggests a fix for a misspelt name: the closest, else all."""
    known = list(choices)
    close = difflib.get_close_matches(word, known, n=1)
    if close:
        return f"did you mean {_name(close[0])}?"
    return f"use one of: {', '.join(known)}" if known else "none are known"


def _name(word: str) -> str:
    return word if _BARE.fullmatch(word) else repr(word)


def field_name(loc: Loc) -> str:
    """`('gate', 1, 'confidence')` -> `gate[2].confidence`."""
    text = ""
    for part in loc:
        text += f"[{part + 1}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".")


def syntax_error(error: tomllib.TOMLDecodeError, source: str, text: str) -> ConfigError:
    """tomllib's message with its position turned into `file:line` and a likely fix."""
    message = str(error)
    at = _AT.search(message)
    line = int(at.group(1)) if at and at.group(1) else max(1, len(text.splitlines()))
    message = message[: at.start()] if at else message
    fix = next((f for start, f in _SYNTAX_FIXES if message.startswith(start)), None)
    hint = fix or "see https://toml.io/en/v1.0.0 for the syntax"
    message = message[:1].lower() + message[1:]
    return ConfigError(f"TOML syntax: {message}; {hint}", source=source, line=line)


def unreadable(error: RecursionError | ValueError, source: str, text: str) -> ConfigError:
    """What tomllib raises without a position: nesting too deep for it, or a huge integer."""
    if isinstance(error, RecursionError):
        problem = f"TOML nested too deeply; no rollwatch setting goes {MAX_DEPTH} levels deep"
        return ConfigError(problem, source=source, line=_deep_line(text))
    digits = re.search(r"\d{100,}", text)
    line = text.count("\n", 0, digits.start()) + 1 if digits else None
    return ConfigError(
        "TOML number too long to read; write a shorter one", source=source, line=line
    )


def _deep_line(text: str) -> int | None:
    """The line where brackets first open deeper than MAX_DEPTH (strings not told apart)."""
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        for char in line:
            depth += (char in "[{") - (char in "]}")
            if depth > MAX_DEPTH:
                return number
    return None


def owner(model: type[BaseModel], loc: Loc) -> tuple[type[BaseModel], str | None]:
    """The model holding the field at `loc` (relative to `model`) and the field's name."""
    key = str(loc[-1]) if loc and isinstance(loc[-1], str) else None
    for part in loc[:-1]:
        info = model.model_fields.get(part) if isinstance(part, str) else None
        inner = info.annotation if info is not None else None
        if not (isinstance(inner, type) and issubclass(inner, BaseModel)):
            break
        model = inner
    return model, key


def explain(error: ErrorDetails, model: type[BaseModel] | None, key: str | None) -> str:
    """What is wrong with one value and how to fix it, in the file's terms."""
    kind, value = error["type"], error.get("input")
    info = model.model_fields.get(key) if model is not None and key else None
    if kind == "missing":
        return f"required; add {key} = {_EXAMPLES.get(key or '', '...')}"
    if kind == "extra_forbidden":
        known = list(model.model_fields) if model is not None else []
        return "unknown key; " + did_you_mean(key or "", known)
    if kind == "value_error":
        return _masked_text(error["msg"].removeprefix("Value error, "))
    if kind in ("list_type", "model_type", "dict_type", "model_attributes_type"):
        brackets = f"[[{key}]]" if kind == "list_type" else f"[{key}]"
        return f"must be a table: write {brackets} on its own line, then its keys"
    hint = ""
    if kind.startswith("time_delta"):
        problem = DURATION_SYNTAX
    elif kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        problem = _bounds(info) + _example(info)
    elif kind.startswith("bool"):
        problem = "must be true or false, without quotes"
    elif kind.startswith(("float", "int")):
        problem = "must be a number" + _example(info)
    elif kind.startswith("string"):
        problem = "must be text in quotes"
    elif kind in ("path_not_file", "path_not_directory"):
        problem = "no such " + kind.removeprefix("path_not_")
    else:
        problem = _masked_text(error["msg"].replace("Input should be", "must be"))
        if kind == "literal_error" and isinstance(value, str):
            choices = _QUOTED.findall(error.get("ctx", {}).get("expected", ""))
            close = difflib.get_close_matches(value, choices, n=1)
            hint = f"; did you mean {_name(close[0])}?" if close else ""
    secret = key is not None and is_secret_key(key)
    if isinstance(value, str | int | float) and not secret:
        problem += f", not {shown(value)}"
    return problem + hint


def _masked_text(text: str) -> str:
    """Adapters' own messages may quote the value; a URL's password must not come along."""
    return str(masked(text))


def _bounds(info: FieldInfo | None) -> str:
    rules = list(info.metadata) if info else []
    low = next((rule for rule in rules if isinstance(rule, Gt | Ge)), None)
    high = next((rule for rule in rules if isinstance(rule, Lt | Le)), None)
    low_text = _number(low.gt if isinstance(low, Gt) else low.ge) if low else ""
    high_text = _number(high.lt if isinstance(high, Lt) else high.le) if high else ""
    if low and high:
        return f"must be between {low_text} and {high_text}"
    if low:
        return ("must be more than " if isinstance(low, Gt) else "must be at least ") + low_text
    if high:
        return ("must be less than " if isinstance(high, Lt) else "must be at most ") + high_text
    return "is out of range"


def _number(bound: Any) -> str:
    return duration_text(bound) if isinstance(bound, timedelta) else f"{bound:g}"


def _example(info: FieldInfo | None) -> str:
    default = info.default if info else PydanticUndefined
    if isinstance(default, timedelta):
        return f' (e.g. "{duration_text(default)}")'
    if isinstance(default, int | float) and not isinstance(default, bool):
        return f" (e.g. {default})"
    return ""
