"""`rollwatch config check` and `rollwatch config init`: find out before a rollout starts.

`check` prints the effective config on stdout (a valid rollwatch.toml, secrets masked) and
everything about it on stderr, so `rollwatch config check > effective.toml` keeps working.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tui.config.effective import effective_config_text
from tui.config.errors import ConfigError
from tui.config.load import load_config
from tui.config.secrets import inline_secrets
from tui.config.starter import default_metrics, starter, starter_pairs

EXIT_USAGE = 2


def add_command(
    subparsers: argparse._SubParsersAction[Any], name: str, summary: str
) -> argparse.ArgumentParser:
    """Register `config check` and `config init` on the top-level command parsers."""
    config = subparsers.add_parser(
        name,
        help=summary,
        description="Validate rollwatch.toml, or print a commented starter to begin one.",
    )
    actions = config.add_subparsers(
        dest="config_command", metavar="ACTION", parser_class=type(config)
    )
    actions.required = True
    check = actions.add_parser(
        "check",
        help="validate the config and print it as rollwatch will use it",
        description="Validate the config, print it with defaults filled in and secrets masked, "
        "and warn about secrets written in the file.",
    )
    check.add_argument(
        "--config",
        type=Path,
        metavar="PATH",
        help="config file (default: $ROLLWATCH_CONFIG, else ./rollwatch.toml, else "
        "rollwatch/rollwatch.toml in $XDG_CONFIG_HOME or ~/.config)",
    )
    deploys = sorted({deploy for deploy, _ in starter_pairs()})
    metrics = sorted({store for _, store in starter_pairs()})
    init = actions.add_parser(
        "init",
        help="print a commented starter config",
        description="Print a complete, commented rollwatch.toml for one deploy and one metrics "
        "adapter: `rollwatch config init --deploy argo > rollwatch.toml`.",
    )
    init.add_argument(
        "--deploy",
        metavar="KIND",
        help=f"deploy adapter: {', '.join(deploys)} (default: simulator, or http with "
        "--metrics prometheus)",
    )
    init.add_argument(
        "--metrics",
        metavar="KIND",
        help=f"metrics adapter: {', '.join(metrics)} (default: simulator for the simulator, "
        "else prometheus)",
    )
    return config


def run(args: argparse.Namespace) -> int:
    """Run one `config` action; a config mistake is one line on stderr and exit code 2."""
    try:
        return _check(args) if args.config_command == "check" else _init(args)
    except ConfigError as error:
        print(f"rollwatch: {error}", file=sys.stderr)
        return EXIT_USAGE


def _check(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    sys.stdout.write(effective_config_text(config))
    where = config.source
    for warning in inline_secrets(config):
        print(f"rollwatch: warning: {where}: {warning}", file=sys.stderr)
    gates, metrics = len(config.gate), len(config.metric)
    print(
        f"rollwatch: {where} is valid: {config.deploy.kind} rollouts, {config.metrics.kind} "
        f"metrics, {metrics} metric{'s' * (metrics != 1)}, {gates} gate{'s' * (gates != 1)}",
        file=sys.stderr,
    )
    return 0


def _init(args: argparse.Namespace) -> int:
    deploy = args.deploy or ("simulator" if args.metrics in (None, "simulator") else "http")
    sys.stdout.write(starter(deploy, args.metrics or default_metrics(deploy)))
    return 0
