"""Take screenshots/serve-*.png: `rollwatch serve` on the simulator, seen by headless Chromium.

Run: python scripts/browser_screenshot.py   (needs `chromium`, e.g. apt-get install chromium)

Chromium's own `--screenshot` fires on page load, before the page's websocket has brought the
app's first frame, so this drives Chromium over its DevTools protocol instead: open the page,
wait until the page has the app's first byte, give the app a moment to draw, then capture.
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "screenshots"
WIDTH, HEIGHT = 1280, 800
DEADLINE = 60.0
PAGES = {
    "serve-overview.png": "/",
    "serve-rollout.png": "/?rollout=shop/checkout-api",
}
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    f"--window-size={WIDTH},{HEIGHT}",
]
DRAWN = "document.body.classList.contains('-first-byte')"
"""The page got the app's first byte (the terminal is drawn on a canvas, which has no text)."""
SETTLE = 4.0
"""Seconds after the first byte for the app to read the rollout and draw its graphs."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(command: list[str], ready: str) -> subprocess.Popen[str]:
    """A process, once it printed the line that says it is ready."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if ready in line:
            return process
    raise SystemExit(f"{command[0]} ended before it was ready")


class Tab:
    """One Chromium page over the DevTools protocol."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.sent = 0

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.sent += 1
        await self.ws.send_json({"id": self.sent, "method": method, "params": params})
        async for message in self.ws:
            reply = json.loads(message.data)
            if reply.get("id") == self.sent:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result") or {})
        raise RuntimeError(f"{method}: the browser closed the connection")

    async def drawn(self) -> bool:
        result = await self.call("Runtime.evaluate", expression=DRAWN, returnByValue=True)
        return bool(result.get("result", {}).get("value"))


async def capture(debugging: int, url: str, path: Path) -> None:
    async with aiohttp.ClientSession() as client:
        async with client.put(f"http://127.0.0.1:{debugging}/json/new?about:blank") as reply:
            target = await reply.json()
        async with client.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
            tab = Tab(ws)
            await tab.call("Page.enable")
            await tab.call("Page.navigate", url=url)
            loop = asyncio.get_running_loop()
            give_up = loop.time() + DEADLINE
            while not await tab.drawn():
                if loop.time() > give_up:
                    raise SystemExit(f"{url}: the app did not draw within {DEADLINE:g}s")
                await asyncio.sleep(0.5)
            await asyncio.sleep(SETTLE)
            shot = await tab.call("Page.captureScreenshot", format="png")
            path.write_bytes(base64.b64decode(shot["data"]))
            print(f"wrote {path.relative_to(ROOT)}")


async def main() -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise SystemExit("chromium is not installed (apt-get install chromium)")
    port, debugging = free_port(), free_port()
    server = start(
        [sys.executable, "-m", "tui", "serve", "--backend", "simulator", "--port", str(port)],
        "rollwatch serves",
    )
    with tempfile.TemporaryDirectory() as profile:
        chrome = subprocess.Popen(
            [
                browser,
                *FLAGS,
                f"--user-data-dir={profile}",
                f"--remote-debugging-port={debugging}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert chrome.stderr is not None
            for line in chrome.stderr:
                if "DevTools listening on" in line:
                    break
            for name, page in PAGES.items():
                await capture(debugging, f"http://127.0.0.1:{port}{page}", OUT / name)
        finally:
            chrome.terminate()
            chrome.wait(timeout=10)
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    asyncio.run(main())
