"""`rollwatch sim-serve`: the simulator over the generic HTTP deploy API, with `/metrics`.

It is the reference server for in-house deployers and a way to run the `http` and `prometheus`
adapters end to end with no cluster: point a real Prometheus at `/metrics` and rollwatch at both.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
from typing import Any

from backends.clock import SystemClock
from backends.http.api import ROLLOUTS
from backends.simulator.adapter import Simulator, SimulatorOptions
from tui.cli import arguments

EXIT_USAGE = 2
DEFAULT_PORT = 8787


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0-65535)")
    return int(text)


def _token_from_env(name: str) -> str:
    """The token itself, read here so that it never sits in the process list."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise argparse.ArgumentTypeError(f"environment variable {name} is not set or empty")
    return value


def add_command(
    commands: argparse._SubParsersAction[Any], name: str, summary: str
) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        name,
        help=summary,
        description="Serve the built-in simulator over rollwatch's generic HTTP deploy API "
        f"({ROLLOUTS}) and expose its traffic as Prometheus metrics (/metrics), per revision.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        metavar="N",
        help=f"port to listen on; 0 picks a free one (default: {DEFAULT_PORT})",
    )
    arguments.simulator_options(parser)
    tokens = parser.add_mutually_exclusive_group()
    tokens.add_argument(
        "--token",
        metavar="T",
        help="require this bearer token on the API (other users can see it in `ps`; "
        "prefer --token-env)",
    )
    tokens.add_argument(
        "--token-env",
        dest="token",
        type=_token_from_env,
        metavar="VAR",
        help="require the bearer token held in environment variable VAR",
    )
    parser.add_argument(
        "--auto-confirm",
        type=arguments.positive,
        metavar="SECONDS",
        help="resume pauses that wait for a human after SECONDS of simulated time",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    # Imported here: uvicorn and Starlette would add 0.1 s to every other command's start.
    from tui.sim_serve.server import ApiServer, SimulatorApi

    try:
        sock = _listen(args.host, args.port)
    except OSError as exc:
        print(
            f"rollwatch: cannot listen on {args.host}:{args.port}: {exc.strerror or exc} "
            "(choose another --port or --host)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    options = SimulatorOptions(
        scenario=args.scenario, seed=args.seed, auto_confirm=args.auto_confirm
    )
    sim = Simulator(SystemClock(speed=args.speed), options)
    host, port = sock.getsockname()[:2]
    base = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    auth = " (bearer token required)" if args.token else ""
    print(f"simulating {args.scenario} at {args.speed:g}x speed on {base}", flush=True)
    print(f"  deploy API  {base}{ROLLOUTS}{auth}", flush=True)
    print(f"  metrics     {base}/metrics", flush=True)
    asyncio.run(ApiServer(SimulatorApi(sim, token=args.token)).serve(sockets=[sock]))
    return 0


def _listen(host: str, port: int) -> socket.socket:
    """Bind before uvicorn starts, so a taken port is one clear line, and port 0 can be told."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family)
