"""Reading a store's answer: any bytes with any status are an Answer or one BackendError, whose
words are printable and hide the credentials, and the samples a matrix holds come out exact."""

from __future__ import annotations

import json
import math
import re

import httpx
from hypothesis import given
from hypothesis import strategies as st

from backends.connection.client import secrets_hidden
from backends.errors import BackendError
from backends.model import Point
from backends.prometheus.parse import collapse, parse_answer
from backends.text_safety import MASK, SecretMask

TOKEN = "s3cret-t0ken-value"
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def parse(status: int, body: bytes) -> list[Point]:
    """As the adapter reads an answer: parsed, collapsed to points, errors masked on the way."""
    mask = SecretMask([TOKEN])
    with secrets_hidden(mask):
        answer = parse_answer(
            httpx.Response(status, content=body),
            "latency",
            "histogram_quantile(0.99, ...)",
            url="http://store",
            endpoint="http://store/api/v1/query_range",
            auth_description="bearer token from $PROM_TOKEN",
            mask=mask,
        )
        return collapse(answer.series, "latency", None, []) if answer.series else []


def envelope(status: str, data: object = None, **extra: object) -> bytes:
    return json.dumps({"status": status, "data": data, **extra}).encode()


HOSTILE_TEXT = st.text().map(lambda s: f"{s}\x1b]0;retitled\x07 Bearer {TOKEN} {s}")
BODIES = st.one_of(
    st.binary(max_size=200),
    HOSTILE_TEXT.map(str.encode),
    HOSTILE_TEXT.map(lambda s: envelope("error", errorType="bad_data", error=s)),
    HOSTILE_TEXT.map(lambda s: envelope("success", {"resultType": s, "result": []})),
    st.builds(
        lambda s: envelope("success", {"resultType": "matrix", "result": [{"values": [[1, s]]}]}),
        HOSTILE_TEXT,
    ),
    st.recursive(
        st.none() | st.booleans() | st.floats(allow_nan=False) | st.text(max_size=10),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
        max_leaves=10,
    ).map(lambda value: json.dumps({"status": "success", "data": value}).encode()),
)


@given(st.sampled_from([200, 204, 400, 401, 403, 404, 422, 503]), BODIES)
def test_any_answer_is_read_or_refused_in_safe_words(status, body):
    try:
        points = parse(status, body)
    except BackendError as error:
        text = str(error)
        assert not CONTROL.search(text), repr(text)
        assert TOKEN not in text
        if TOKEN.encode() in body and "Bearer" in text:
            assert MASK in text
    else:
        assert status < 300
        assert all(isinstance(point, Point) for point in points)


VALUE = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["NaN", "+Inf", "-Inf", "Inf", "1e308", "-0"]),
)


@given(st.lists(st.tuples(st.integers(0, 2**31), VALUE), max_size=30))
def test_the_samples_of_a_matrix_come_out_exactly(samples):
    values = [[t, v] for t, v in samples]
    body = envelope("success", {"resultType": "matrix", "result": [{"values": values}]})
    points = parse(200, body)
    assert [p.t for p in points] == [t for t, _ in samples]
    for point, (_, raw) in zip(points, samples, strict=True):
        expected = float(raw.replace("Inf", "inf"))
        assert (math.isnan(point.v) and math.isnan(expected)) or point.v == expected
