"""Filling metric templates with a rollout's values, escaped for where each placeholder sits.

A placeholder inside a PromQL string must not be able to end the string, and one inside the value
of a regex matcher (`=~`, `!~`) must match its value literally: a version such as `1.2.3` would
otherwise also match `1x2y3`. So the template is scanned once, and each placeholder learns whether
it sits in a string, which quote delimits it, and whether that string is a regex.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

PLACEHOLDERS = ("service", "namespace", "workload", "revision", "role")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")
_RE2_SPECIAL = frozenset("\\.+*?()|[]{}^$")


@dataclass(frozen=True)
class Slot:
    """Where one placeholder sits in a template."""

    name: str
    start: int
    end: int
    quote: str | None
    regex: bool


def slots(template: str) -> list[Slot]:
    """Every placeholder of `template`, with its string and regex context.

    Comments are skipped so that a quote in a comment does not flip the string state.
    """
    found: list[Slot] = []
    quote: str | None = None
    regex = False
    i = 0
    while i < len(template):
        char = template[i]
        if quote is not None and char == "\\" and quote != "`":
            i += 2
            continue
        if quote is not None and char == quote:
            quote = None
        elif quote is None and char in "\"'`":
            quote = char
            regex = template[:i].rstrip().endswith(("=~", "!~"))
        elif quote is None and char == "#":
            newline = template.find("\n", i)
            i = len(template) if newline < 0 else newline
            continue
        elif match := _PLACEHOLDER.match(template, i):
            found.append(Slot(match[1], i, match.end(), quote, quote is not None and regex))
            i = match.end()
            continue
        i += 1
    return found


def uses(template: str, name: str) -> bool:
    return any(slot.name == name for slot in slots(template))


def only_in_regex(template: str, name: str) -> bool:
    """Whether `name` appears, and only as (part of) a regex matcher's value.

    Only then may it be rendered as an alternation that matches several values at once.
    """
    named = [slot for slot in slots(template) if slot.name == name]
    return bool(named) and all(slot.regex for slot in named)


def regex_escape(value: str) -> str:
    """Escape for RE2 (PromQL's regex engine), which rejects escapes of non-punctuation."""
    return "".join("\\" + char if char in _RE2_SPECIAL else char for char in value)


def _string_escape(value: str, quote: str) -> str:
    if quote == "`":
        return value
    return value.replace("\\", "\\\\").replace(quote, "\\" + quote).replace("\n", "\\n")


def render(
    template: str,
    values: Mapping[str, str],
    alternatives: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """The template with each placeholder replaced by its escaped value.

    A name in `alternatives` is rendered as the regex alternation of its values (`a|b`); the
    caller checks with `only_in_regex` that every occurrence sits in a regex matcher. Placeholders
    without a value are left as they are, so the store's parse error points at them.
    """
    alternatives = alternatives or {}
    parts: list[str] = []
    position = 0
    for slot in slots(template):
        if slot.name in alternatives:
            text = "|".join(regex_escape(value) for value in alternatives[slot.name])
        elif slot.name in values:
            text = values[slot.name]
            if slot.regex:
                text = regex_escape(text)
        else:
            continue
        if slot.quote is not None:
            text = _string_escape(text, slot.quote)
        parts.append(template[position : slot.start])
        parts.append(text)
        position = slot.end
    parts.append(template[position:])
    return "".join(parts)
