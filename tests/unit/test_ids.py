"""Rollout ids: one check for every adapter, and one path segment per part in every URL."""

from __future__ import annotations

from urllib.parse import unquote

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backends.errors import InvalidId
from backends.http.api import ROLLOUTS, rollout_path
from backends.ids import MAX_ID, MAX_PART, id_parts, id_path
from backends.kubernetes.client import resource_path, split_id

PART = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="/"),
    min_size=1,
    max_size=40,
).filter(lambda part: part not in (".", ".."))
IDS = st.lists(PART, min_size=1, max_size=4).map("/".join)


@given(IDS)
def test_a_valid_id_is_one_segment_per_part_whatever_it_holds(rollout_id):
    """Through httpx's URL handling, as the request goes out: no part can become two, climb a
    level or start a query."""
    url = httpx.URL("http://deployer.test").join(rollout_path(rollout_id, "promote"))
    segments = url.raw_path.decode().split("?")[0].split("/")
    assert url.query == b""
    assert segments[:4] == ["", "api", "v1", "rollouts"]
    assert segments[-1] == "promote"
    assert [unquote(s) for s in segments[4:-1]] == rollout_id.split("/")


@pytest.mark.parametrize(
    ("rollout_id", "problem"),
    [
        ("shop/payments/../checkout-api", "`.` and `..` are not allowed"),
        ("shop/./checkout-api", "`.` and `..` are not allowed"),
        ("..", "`.` and `..` are not allowed"),
        ("shop//checkout-api", "an empty part"),
        ("/shop/checkout-api", "an empty part"),
        ("shop/", "an empty part"),
        ("", "it is empty"),
        ("shop/check\nout", "a control character"),
        ("shop/\x1b[2Jcheckout", "a control character"),
        ("x" * 100_000, "100,000 characters long; at most 1,000"),
        ("shop/" + "x" * (MAX_PART + 1), f"a part is 254 characters long; at most {MAX_PART}"),
    ],
)
def test_an_id_no_url_may_carry_is_refused_in_one_line(rollout_id, problem):
    with pytest.raises(InvalidId, match=problem) as caught:
        id_path(rollout_id)
    message = str(caught.value)
    assert "\n" not in message and "\x1b" not in message
    assert len(message) < 200


def test_the_longest_ids_allowed_pass():
    parts = ["a" * MAX_PART] * (MAX_ID // (MAX_PART + 1))
    assert id_parts("/".join(parts)) == parts


def test_kubernetes_ids_are_namespace_and_name_each_one_segment():
    assert split_id("shop/checkout-api", "default") == ("shop", "checkout-api")
    assert split_id("checkout-api", "default") == ("default", "checkout-api")
    for bad in ("a/b/c", "shop/..", "shop/", "../kube-system/x"):
        with pytest.raises(InvalidId):
            split_id(bad, "default")
    path = resource_path("apps/v1", "deployments", "sh op", "a?b#c")
    assert path == "/apis/apps/v1/namespaces/sh%20op/deployments/a%3Fb%23c"


def test_the_http_path_of_an_id_keeps_its_slash():
    assert rollout_path("shop/checkout api") == f"{ROLLOUTS}/shop/checkout%20api"
