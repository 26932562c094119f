"""Reading within limits: lines and events however the bytes are cut, and one error past a limit.

The event-stream reader is fed byte chunks directly here, so hypothesis can try any way a
network cuts a stream (a CRLF split between two reads, an event in a hundred pieces); the same
reader over a real socket is tested against a hostile server in tests/adapters/test_hostile.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backends.connection.limits import limited_lines, read_limited
from backends.errors import BadResponse
from backends.http.events import read_events

LINE = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=30
)
EOL = st.sampled_from(["\n", "\r\n", "\r"])


async def chunks_of(data: bytes, cuts: Sequence[int]) -> AsyncIterator[bytes]:
    start = 0
    for cut in sorted({c % (len(data) + 1) for c in cuts}):
        yield data[start:cut]
        start = cut
    yield data[start:]


async def collected(iterator: AsyncIterator[bytes]) -> list[bytes]:
    return [item async for item in iterator]


def unambiguous(lines: list[tuple[str, str]]) -> bool:
    """A CR ending a line, then an empty line ended by LF, is one CRLF: the format says so."""
    return not any(
        eol == "\r" and not text and next_eol.startswith("\n")
        for (_, eol), (text, next_eol) in pairwise(lines)
    )


@given(
    st.lists(st.tuples(LINE, EOL), max_size=12).filter(unambiguous),
    st.lists(st.integers(0, 400), max_size=8),
)
async def test_lines_are_split_the_same_however_the_bytes_arrive(lines, cuts):
    data = "".join(text + eol for text, eol in lines).encode()
    got = await collected(limited_lines(chunks_of(data, cuts), 1 << 20, "the stream"))
    assert got == [text.encode() for text, _ in lines]


async def test_a_line_without_an_end_is_cut_at_the_limit():
    async def endless() -> AsyncIterator[bytes]:
        yield b"data: "
        while True:
            yield b"x" * 1000

    with pytest.raises(BadResponse, match="a line of the watch is larger than 64 KiB"):
        await collected(limited_lines(endless(), 64 << 10, "the watch"))


async def test_a_body_past_its_limit_is_one_error():
    async def body() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b"x" * 1000

    assert len(await read_limited(body(), 100_000, "the answer")) == 100_000
    with pytest.raises(BadResponse, match="the answer is larger than 99999 bytes"):
        await read_limited(body(), 99_999, "the answer")


EVENT = st.fixed_dictionaries(
    {
        "event": st.sampled_from(["rollout", "progress", ""]),
        "data": st.lists(LINE.filter(lambda s: not s.startswith(" ")), min_size=1, max_size=3),
    }
)


def encoded(events: list[dict[str, object]], eol: str) -> bytes:
    text = ": connected" + eol + eol
    for event in events:
        if event["event"]:
            text += f"event: {event['event']}{eol}"
        text += "".join(f"data: {line}{eol}" for line in event["data"])  # type: ignore[attr-defined]
        text += eol
    return text.encode()


@given(st.lists(EVENT, max_size=6), EOL, st.lists(st.integers(0, 2000), max_size=10))
async def test_events_are_parsed_the_same_however_the_bytes_arrive(events, eol, cuts):
    data = encoded(events, eol)
    got = [
        (e.event, e.data)
        async for e in read_events(chunks_of(data, cuts), limit=1 << 20, what="the watch")
    ]
    assert got == [(e["event"] or "message", "\n".join(e["data"])) for e in events]


async def test_an_event_of_many_small_lines_is_cut_at_the_limit():
    async def many() -> AsyncIterator[bytes]:
        yield b"event: rollout\n"
        while True:
            yield b"data: " + b"y" * 100 + b"\n"

    with pytest.raises(BadResponse, match="an event of the watch is larger than 4 KiB"):
        async for _ in read_events(many(), limit=4 << 10, what="the watch"):
            pass


async def test_keepalives_between_events_do_not_add_up():
    async def keepalives() -> AsyncIterator[bytes]:
        for _ in range(1000):
            yield b": keepalive\n\n"
        yield b"data: {}\n\n"

    got = [e.data async for e in read_events(keepalives(), limit=64, what="the watch")]
    assert got == ["{}"]
