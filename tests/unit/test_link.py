"""`rollwatch link`: one line for the author, whose command runs exactly what it says."""

from __future__ import annotations

import argparse
import shlex
from urllib.parse import parse_qs, urlsplit

import pytest

from tui.cli import link
from tui.cli.arguments import UsageError
from tui.cli.main import build_parser


def parse(*argv: str) -> argparse.Namespace:
    parser, _ = build_parser("link")
    return parser.parse_args(["link", *argv])


def command_of(printed: str) -> list[str]:
    prefix, _, command = printed.partition(" roll out: ")
    assert prefix.startswith("Watch ")
    return shlex.split(command)


def test_the_plain_line_is_the_watch_command():
    printed = link.line(parse("shop/checkout-api"))
    assert printed == "Watch shop/checkout-api roll out: rollwatch watch shop/checkout-api"


def test_options_are_passed_on_to_watch():
    args = parse("shop/api", "--backend", "argo", "-n", "shop", "--context", "prod", "--read-only")
    assert command_of(link.line(args)) == [
        "rollwatch",
        "watch",
        "shop/api",
        "--backend",
        "argo",
        "--context",
        "prod",
        "-n",
        "shop",
        "--read-only",
    ]


def test_over_ssh_the_remote_shell_gets_the_command_as_one_word():
    printed = link.line(parse("shop/a b;rm -rf ~", "--ssh", "ops@bastion"))
    ssh, flag, host, remote = command_of(printed)
    assert (ssh, flag, host) == ("ssh", "-t", "ops@bastion")
    assert shlex.split(remote) == ["rollwatch", "watch", "shop/a b;rm -rf ~"]


def test_the_web_address_carries_the_rollout_to_open():
    printed = link.line(parse("shop/checkout-api", "--web", "https://rollwatch.ops:8443/x?old=1"))
    url = printed.partition(" roll out: ")[2]
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "rollwatch.ops:8443", "/x")
    assert parse_qs(parts.query) == {"rollout": ["shop/checkout-api"]}


@pytest.mark.parametrize(
    "argv",
    [
        ("shop/a", "--web", "ftp://x"),
        ("shop/a", "--web", "rollwatch.ops"),
        ("shop/a", "--ssh", " "),
    ],
)
def test_bad_places_are_usage_errors(argv):
    with pytest.raises(UsageError):
        link.line(parse(*argv))


def test_ssh_and_web_are_one_or_the_other():
    with pytest.raises(SystemExit):
        parse("shop/a", "--ssh", "h", "--web", "https://x")
