"""Outside text made safe to print: no terminal control survives, no configured secret shows."""

from __future__ import annotations

import base64
import json
import re
import string

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backends.connection.client import credentials
from backends.connection.options import ConnectionOptions
from backends.errors import Unauthorized
from backends.text_safety import MASK, SecretMask, printable, safe, without_password
from tui.config.load import load_config
from tui.config.secrets import secret_mask
from tui.config.starter import starter

UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
SURROGATE = re.compile("[\ud800-\udfff]")


@given(st.text())
def test_nothing_a_terminal_acts_on_survives(text):
    for multiline in (False, True):
        shown = printable(text, multiline=multiline)
        allowed = "\n\t" if multiline else ""
        assert not [c for c in UNSAFE.findall(shown) if c not in allowed], repr(shown)
        assert not SURROGATE.search(shown)
        shown.encode("utf-8")  # a lone surrogate would fail here, as print() would


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp"))))
def test_ordinary_text_is_left_alone(text):
    assert printable(text) == text
    assert printable(text, multiline=True) == text


@given(st.text())
def test_printable_is_idempotent(text):
    once = printable(text)
    assert printable(once) == once


def test_escape_sequences_are_shown_not_done():
    hostile = "boom\x1b]0;pwned\x07\x1b[2J\rgone\x9b31m\u202eevil"
    assert printable(hostile) == "boom\\x1b]0;pwned\\x07\\x1b[2J gone\\x9b31m\\u202eevil"


def test_lines_and_tabs_are_kept_only_where_asked():
    text = "first\r\nsecond\rthird\u2028fourth\n\tindented\x0b"
    assert printable(text) == "first  second third fourth  indented "
    assert printable(text, multiline=True) == "first\nsecond\nthird\nfourth\n\tindented\\x0b"


SECRET = st.text(
    alphabet=string.ascii_letters + string.digits + "+/=_-.~!$&'()*,;:@ \n\"\\", min_size=6
)
FILLER = st.text(alphabet="#%^{}<>|`? ", max_size=40)


@given(SECRET, FILLER, FILLER)
def test_every_form_of_a_secret_is_masked(secret, before, after):
    mask = SecretMask([secret])
    forms = {
        "as sent": secret,
        "json": json.dumps(secret)[1:-1],
        "repr": repr(secret)[1:-1],
        "bytes repr": repr(secret.encode())[2:-1],
        "one line": " ".join(secret.split()),
    }
    for name, form in forms.items():
        if not form.strip():
            continue
        shown = safe(f"{before}{form}{after}", mask)
        assert MASK in shown, name
        core = secret.strip()
        assert len(core) < 4 or core not in shown, f"{name}: {shown!r}"


@given(
    st.text(alphabet=string.ascii_letters, min_size=1, max_size=12),
    st.text(alphabet=string.ascii_letters + string.digits + "!:@", min_size=4, max_size=20),
)
def test_basic_auth_is_masked_as_password_and_as_header(username, password):
    mask = SecretMask()
    mask.add_basic(username, password)
    header = httpx.BasicAuth(username, password)._auth_header  # what httpx sends
    echoed = f"401: you sent Authorization: {header} with password {password}"
    shown = mask(echoed)
    assert password not in shown
    assert header.removeprefix("Basic ") not in shown
    assert base64.b64encode(f"{username}:{password}".encode()).decode() not in shown


def test_a_longer_secret_is_hidden_whole_when_it_holds_another():
    mask = SecretMask(["abcd", "xxabcdxx"])
    assert mask("token xxabcdxx and abcd") == f"token {MASK} and {MASK}"


def test_an_empty_or_blank_secret_masks_nothing():
    mask = SecretMask(["", "   "])
    assert not mask
    assert mask("nothing to hide") == "nothing to hide"


def test_masks_merge_for_a_command_with_two_backends():
    merged = SecretMask(["deploy-token"]).merged(SecretMask(["metrics-pass"]))
    assert merged("deploy-token metrics-pass") == f"{MASK} {MASK}"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://alice:s3cr/t@example.com/x", f"https://alice:{MASK}@example.com/x"),
        ("http://tok3n@example.com", f"http://{MASK}@example.com"),
        ("http://a:b@c@[::1", f"http://a:{MASK}@[::1"),
        ("ftp://u:p@h?q=@", f"ftp://u:{MASK}@h?q=@"),
        ("http://example.com/a@b", "http://example.com/a@b"),
        ("not a url", "not a url"),
    ],
)
def test_a_url_is_shown_without_its_password(url, shown):
    assert without_password(url) == shown


def test_connection_options_mask_their_token_password_and_secret_headers(monkeypatch):
    monkeypatch.setenv("PROM_PASS", "hunter22")
    _, description, mask = credentials(
        ConnectionOptions(
            url="http://h",
            username="alice",
            password_env="PROM_PASS",
            headers={"X-Api-Key": "k3y-value", "X-Scope-OrgID": "tenant-1"},
        )
    )
    pair = base64.b64encode(b"alice:hunter22").decode()
    text = f"hunter22 Basic {pair} k3y-value tenant-1"
    assert mask(text) == f"{MASK} Basic {MASK} {MASK} tenant-1"
    assert "hunter22" not in description and pair not in description


async def test_a_token_with_a_line_break_is_refused_before_httpx_can_quote_it():
    auth, _, mask = credentials(ConnectionOptions(url="http://h", token="abc\ndef"))
    assert auth is not None
    flow = auth.auth_flow(httpx.Request("GET", "http://h/"))
    with pytest.raises(Unauthorized) as caught:
        next(flow)
    assert "abc" not in str(caught.value) and "def" not in str(caught.value)
    assert (
        mask("illegal header value b'Bearer abc\\ndef'") == f"illegal header value b'Bearer {MASK}'"
    )


def test_the_config_mask_holds_every_credential_the_config_holds_or_points_at(
    tmp_path, monkeypatch
):
    """What a command masks in everything it prints, the servers' words included."""
    token_file = tmp_path / "token"
    token_file.write_text("file-t0ken-abc\n")
    text = starter("http", "prometheus").replace(
        'url = "http://127.0.0.1:8787"',
        f'url = "http://127.0.0.1:8787"\ntoken_file = "{token_file}"',
    )
    text = text.replace(
        "[metrics]",
        '[metrics]\nusername = "alice"\npassword_env = "PROM_PASS"\n'
        'headers = { "X-Api-Key" = "k3y-value", "X-Scope-OrgID" = "tenant-1" }',
    )
    path = tmp_path / "rollwatch.toml"
    path.write_text(text)
    monkeypatch.setenv("PROM_PASS", "hunter22")
    mask = secret_mask(load_config(path, env={}))
    pair = base64.b64encode(b"alice:hunter22").decode()
    said = f"file-t0ken-abc hunter22 {pair} k3y-value tenant-1"
    assert mask(said) == f"{MASK} {MASK} {MASK} {MASK} tenant-1"
