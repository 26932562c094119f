"""The browser view: textual-serve's server, with one app per rollout and a page that says what
it allows.

textual-serve runs one command for every page. rollwatch opens the rollout a link names, so the
page passes it on in the websocket's path and the server adds it to the command, checked and
quoted. The page says whether actions are allowed: in its title, in the dialog shown before the
app has drawn anything, and in a badge in its corner while the app runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import signal
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from tui.cli.arguments import UsageError
from tui.cli.link import ROLLOUT_PARAM
from tui.cli.serve import command_for, socket_path

log = logging.getLogger("rollwatch.web")

READY = "rollwatch serves"
"""How the line that says the server listens begins."""


class RollwatchServer(Server):
    """textual-serve's server, opening the rollout the page's address names."""

    def __init__(self, words: list[str], *, title: str, badge: str, **options: Any) -> None:
        super().__init__(command=command_for(words, None), title=title, **options)
        self.words = words
        self.badge = badge

    async def _make_app(self) -> web.Application:
        app = web.Application()
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        app.add_routes(
            [
                web.get("/", self.page, name="index"),
                web.get("/ws", self.socket, name="websocket"),
                web.get("/ws/{rollout}", self.socket),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.static("/static", self.statics_path, name="static"),
            ]
        )
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    async def page(self, request: web.Request) -> web.Response:
        """textual-serve's page, its websocket on the rollout asked for, and the banner."""
        context = await Server.handle_index.__wrapped__(self, request)  # type: ignore[attr-defined]
        rollout = request.query.get(ROLLOUT_PARAM) or None
        if rollout is not None:
            try:
                command_for(self.words, rollout)
            except UsageError as error:
                raise web.HTTPBadRequest(text=str(error)) from None
            base = context["app_websocket_url"].rsplit("/ws", 1)[0]
            context["app_websocket_url"] = base + socket_path(rollout)
        text = aiohttp_jinja2.render_string("app_index.html", request, context)
        title = html.escape(self.title)
        text = text.replace("<head>", f"<head>\n    <title>{title}</title>", 1)
        banner = (
            f'<div id="rollwatch-mode" title="{title}" style="position:fixed;bottom:0;right:0;'
            "z-index:30;padding:1px 8px;font:bold 12px monospace;color:#fff;"
            f'background:#5e0ba7;opacity:0.9">{html.escape(self.badge)}</div>'
        )
        text = text.replace("</body>", f"  {banner}\n  </body>", 1)
        return web.Response(text=text, content_type="text/html")

    async def socket(self, request: web.Request) -> web.WebSocketResponse:
        """One app per page, on the rollout in the path; as textual-serve's own handler."""
        try:
            command = command_for(self.words, request.match_info.get("rollout"))
        except UsageError as error:
            raise web.HTTPBadRequest(text=str(error)) from None
        websocket = web.WebSocketResponse(heartbeat=15)
        width = _number(request.query.get("width"), 80)
        height = _number(request.query.get("height"), 24)
        service: AppService | None = None

        async def close() -> None:
            await websocket.close()

        try:
            await websocket.prepare(request)
            service = AppService(
                command,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            await service.start(width, height)
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:  # one page's app failing must not end the server
            log.exception(error)
        finally:
            if service is not None:
                await service.stop()
        return websocket

    def serve(self, debug: bool = False) -> None:
        """textual-serve's `serve`, saying so once the address takes connections.

        textual-serve announces itself before it listens; a script (or a test) that waits for
        the line must be able to connect when it reads it.
        """
        self.debug = debug
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signal_number, self.request_exit)
        web.run_app(
            self._make_app(),
            host=self.host,
            port=self.port,
            handle_signals=False,
            loop=loop,
            print=lambda _: print(f"{READY} {self.public_url} — {self.badge}", flush=True),
        )


def _number(text: str | None, default: int) -> int:
    try:
        return max(1, min(1000, int(text))) if text else default
    except ValueError:
        return default


def serve(
    words: list[str],
    *,
    host: str,
    port: int,
    title: str,
    badge: str,
    public_url: str | None = None,
) -> None:
    """Serve until interrupted."""
    server = RollwatchServer(
        words, title=title, badge=badge, host=host, port=port, public_url=public_url
    )
    server.serve()
