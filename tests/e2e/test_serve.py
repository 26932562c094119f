"""`rollwatch serve`: the page says what it allows, opens the rollout a link names, and runs the
app behind its websocket."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import aiohttp
import httpx
import pytest

READY = "rollwatch serves "


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(*options: str) -> Iterator[str]:
    """`rollwatch serve` on the simulator; ready once it says where it serves."""
    port = free_port()
    command = [sys.executable, "-m", "tui", "serve", "--backend", "simulator", "--port", str(port)]
    process = subprocess.Popen(
        [*command, *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "HOME": "/tmp"},
    )
    try:
        assert process.stdout is not None
        seen = []
        for line in process.stdout:
            seen.append(line)
            if READY in line:
                break
        else:
            pytest.fail(f"serve ended before serving: {''.join(seen)}")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_page_says_it_is_read_only_and_opens_the_linked_rollout():
    with serving() as url:
        page = httpx.get(url + "/", timeout=10)
        assert page.status_code == 200
        assert "<title>rollwatch — read-only: promote and abort are off" in page.text
        assert 'id="rollwatch-mode"' in page.text and ">read-only</div>" in page.text
        linked = httpx.get(url + "/", params={"rollout": "shop/checkout-api"}, timeout=10)
        assert f'data-session-websocket-url="ws://127.0.0.1:{url.rsplit(":", 1)[1]}' in linked.text
        assert "/ws/shop%2Fcheckout-api" in linked.text
        refused = httpx.get(url + "/", params={"rollout": "-rf\x1b"}, timeout=10)
        assert refused.status_code == 400


def test_allow_actions_says_so():
    with serving("--allow-actions") as url:
        page = httpx.get(url + "/", timeout=10)
        assert "<title>rollwatch — actions allowed" in page.text
        assert ">actions allowed</div>" in page.text


async def first_screen(url: str, path: str) -> str:
    """What the app behind the websocket draws first, as text."""
    received: list[str] = []
    async with (
        aiohttp.ClientSession() as client,
        client.ws_connect(url.replace("http", "ws") + path + "?width=100&height=30") as ws,
    ):
        while not any("checkout-api" in chunk for chunk in received):
            message = await asyncio.wait_for(ws.receive(), timeout=30)
            if message.type == aiohttp.WSMsgType.BINARY:
                received.append(message.data.decode("utf-8", "replace"))
            elif message.type == aiohttp.WSMsgType.TEXT:
                received.append(message.data)
            else:
                break
    return "".join(received)


async def test_the_websocket_runs_the_app_on_the_rollout():
    with serving() as url:
        drawn = await first_screen(url, "/ws/shop%2Fcheckout-api")
        assert "checkout-api" in drawn and "READ-ONLY" in drawn
