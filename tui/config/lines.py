"""Which line of rollwatch.toml holds a key, so an error can say `file:line`.

tomllib gives values, not positions. The file has already parsed when these are asked, so a
line scan suffices; multi-line strings (queries) are skipped so that their content is never
mistaken for keys.
"""

from __future__ import annotations

import re
import tomllib

from tui.config.errors import Loc

_HEADER = re.compile(r"\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?")
_KEY = re.compile(r"\s*([A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')\s*[.=]")


def key_lines(text: str) -> dict[tuple[Loc, str | None], int]:
    """The line of each table header (key None) and each key, by table.

    `[[gate]]` tables are numbered from 0 like the parsed list, and `(("gate",), None)` is the
    first of them.
    """
    found: dict[tuple[Loc, str | None], int] = {}
    counts: dict[Loc, int] = {}
    table: Loc = ()
    open_quote: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if open_quote is not None:
            if open_quote in line:
                open_quote = None
            continue
        header, key = _HEADER.fullmatch(line), _KEY.match(line)
        if header:
            name: Loc = tuple(part.strip().strip("\"'") for part in header.group(2).split("."))
            found.setdefault((name, None), number)
            if header.group(1) == "[[":
                counts[name] = counts.get(name, -1) + 1
                name = (*name, counts[name])
            table = name
            found[(table, None)] = number
        elif key:
            found.setdefault((table, _key_name(key.group(1))), number)
            quotes = [q for q in ('"""', "'''") if line.count(q) % 2 == 1]
            open_quote = quotes[0] if quotes else None
    return found


def _key_name(written: str) -> str:
    """A key as parsed: a quoted key may hold escapes (`"\\u00e9"`)."""
    if not written.startswith('"'):
        return written.strip("'")
    try:
        return next(iter(tomllib.loads(f"{written} = 0")))
    except tomllib.TOMLDecodeError:
        return written.strip('"')


def locate(loc: Loc, lines: dict[tuple[Loc, str | None], int]) -> int | None:
    """The line of the key at `loc`, else of the innermost table holding it."""
    for end in range(len(loc), -1, -1):
        table, key = loc[:end], loc[end] if end < len(loc) else None
        if isinstance(key, str) and (table, key) in lines:
            return lines[(table, key)]
        if (table, None) in lines:
            return lines[(table, None)]
    return None
