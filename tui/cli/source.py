"""Where a command's rollouts come from: rollwatch.toml, `--backend NAME`, `-o KEY=VALUE`.

Options given on the command line go through the same registry and the same validation as a
config file's `[deploy]` table, so `-o namespce=shop` is refused by name with a "did you mean",
exactly like `namespce = "shop"` in the file. Only the place named in the message differs: the
flag the user typed.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backends.base import DeployBackend
from backends.errors import NotFound
from backends.model import Rollout
from backends.registry import DEPLOY_GROUP, METRICS_GROUP, adapter_names
from backends.text_safety import printable
from tui.cli.arguments import UsageError
from tui.config.adapters import AdapterTable, adapter_problem
from tui.config.errors import ConfigError, field_name
from tui.config.load import Config, load_config, parse_config
from tui.config.starter import starter
from tui.session.wiring import Wiring, from_config

_KEY = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")


@dataclass(frozen=True)
class Given:
    """One deploy option from the command line, and the flag that set it, for messages."""

    key: str
    value: Any
    flag: str


def option(text: str) -> Given:
    """`-o KEY=VALUE`: the value read as a TOML scalar (`60`, `true`), else as plain text.

    A dotted key (`change_annotations.sha=...`) sets an option inside an option's table.
    """
    key, equals, raw = text.partition("=")
    key = key.strip()
    if not equals or not _KEY.fullmatch(key):
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE (e.g. -o namespace=shop)")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    if isinstance(value, list | dict):
        raise argparse.ArgumentTypeError(
            f"{key}: -o takes one value (text, a number, true or false); "
            "write lists and tables in rollwatch.toml"
        )
    return Given(key, value, f"-o {key}")


def add_source_options(parser: argparse.ArgumentParser, *, listing: bool = False) -> None:
    """--config, --backend and -o; the Kubernetes shorthands; -A only where rollouts are listed."""
    parser.add_argument(
        "--config",
        type=Path,
        metavar="PATH",
        help="rollwatch.toml (default: $ROLLWATCH_CONFIG, ./rollwatch.toml, ~/.config/rollwatch)",
    )
    parser.add_argument(
        "--backend",
        metavar="NAME",
        help="deploy adapter to use instead of the config's: "
        f"{', '.join(adapter_names(DEPLOY_GROUP))} (simulator needs no config)",
    )
    parser.add_argument(
        "-o",
        "--option",
        dest="options",
        type=option,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a deploy adapter option, as in its [deploy] table (repeatable), "
        "e.g. -o namespace=shop, -o scenario=error-spike",
    )
    kube = parser.add_argument_group("Kubernetes adapters (argo, kubernetes, flagger)")
    kube.add_argument("--context", help="kubeconfig context: -o context=NAME")
    kube.add_argument("-n", "--namespace", help="namespace: -o namespace=NAME")
    if listing:
        kube.add_argument(
            "-A",
            "--all-namespaces",
            action="store_true",
            help="list rollouts in every namespace: -o all_namespaces=true",
        )


def given_options(args: argparse.Namespace) -> list[Given]:
    """Every deploy option the command line sets, shorthands first so -o has the last word."""
    shorthands = [
        Given("context", args.context, "--context"),
        Given("namespace", args.namespace, "-n"),
        Given("all_namespaces", getattr(args, "all_namespaces", False) or None, "-A"),
    ]
    return [g for g in shorthands if g.value is not None] + list(args.options)


def configured(backend: str | None, path: Path | None, given: Sequence[Given]) -> Config:
    """The config a command runs on: the file, with `backend` and `given` applied, validated.

    `--backend NAME` replaces the file's `[deploy]` (keeping its options only when NAME is the
    adapter the file names). An adapter that is its own metrics store (the simulator) needs no
    file: without `--config` it runs on its starter, as `rollwatch demo` does.
    """
    if backend is not None:
        problem = adapter_problem("deploy", AdapterTable(kind=backend))
        if problem is not None and problem[0] == ("deploy", "kind"):
            raise ConfigError(problem[1], source="--backend")
    if backend is not None and path is None and backend in adapter_names(METRICS_GROUP):
        config = parse_config(starter(backend, backend), None)
    else:
        config = load_config(path)
    kind = backend or config.deploy.kind
    options = dict(config.deploy.options) if kind == config.deploy.kind else {}
    for one in given:
        _set(options, one.key.split("."), one.value)
    deploy = AdapterTable(kind=kind, options=options)
    problem = adapter_problem("deploy", deploy)
    if problem is not None:
        loc, text = problem
        raise _blame(loc, text, backend, given, config)
    return config.model_copy(update={"deploy": deploy})


def _set(options: dict[str, Any], path: list[str], value: Any) -> None:
    for part in path[:-1]:
        inner = options.get(part)
        options[part] = inner = dict(inner) if isinstance(inner, dict) else {}
        options = inner
    options[path[-1]] = value


def _blame(
    loc: tuple[str | int, ...],
    problem: str,
    backend: str | None,
    given: Sequence[Given],
    config: Config,
) -> ConfigError:
    """The error, naming the flag that set the bad value, else the file that did."""
    key = ".".join(str(part) for part in loc[1:])
    if key == "kind" and backend is not None:
        return ConfigError(problem, source="--backend")
    flag = next((g.flag for g in reversed(given) if _within(key, g.key)), None)
    if flag is not None:
        return ConfigError(problem, source=flag)
    if backend is not None and backend != config.deploy.kind:
        hint = f"{problem} (the {backend} adapter's options are given with -o KEY=VALUE)"
        return ConfigError(hint, source=f"--backend {backend}", field=key)
    source = str(config.source) if config.source else None
    return ConfigError(problem, source=source, field=field_name(loc))


def _within(key: str, given: str) -> bool:
    """Whether the option at `key` is the one given, or inside it."""
    return key == given or key.startswith(f"{given}.")


def wiring(args: argparse.Namespace) -> Wiring:
    """The backends a command reads and acts on, from its --config, --backend and options."""
    return from_config(configured(args.backend, args.config, given_options(args)))


async def chosen_rollout(
    deploy: DeployBackend, given: str | None, *, quiet: bool = False
) -> Rollout:
    """The rollout named, else the only one, else the first still in progress.

    "First" is the deploy system's own order; when there was a choice it is said on stderr,
    unless `quiet` (the demo's world has one story). A wrong id, or nothing in progress, lists
    the ids there are, so the next try can be right.
    """
    if given is not None:
        try:
            return await deploy.get_rollout(given)
        except NotFound as error:
            raise UsageError(f"{error} (run `rollwatch list` to see the ids)") from None
    rollouts = await deploy.list_rollouts()
    going = [r for r in rollouts if not r.phase.finished]
    if len(rollouts) == 1:
        chosen = rollouts[0]
    elif going:
        chosen = going[0]
        if not quiet and len(going) > 1:
            print(
                f"rollwatch: following {printable(chosen.id)}, the first of {len(going)} "
                "rollouts in progress (pass an id to choose another)",
                file=sys.stderr,
            )
    else:
        known = ", ".join(printable(r.id) for r in rollouts) or "none"
        raise UsageError(f"which rollout? pass its id; rollouts now: {known}")
    return await deploy.get_rollout(chosen.id)
