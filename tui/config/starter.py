"""Commented starter configs, composed from one piece per adapter in tui/config/starters/.

A starter is meant to work as printed, so a metrics piece only pairs with deploy adapters whose
rollouts it can describe: the simulator's store knows only the simulator's rollouts, and a
Prometheus query must select revisions by the label the deploy system puts on its pods.
"""

from __future__ import annotations

from importlib.resources import files
from string import Template

from tui.config.errors import ConfigError

_PIECES = files("tui.config").joinpath("starters")

_PROMETHEUS_LABELS = {
    "http": ('service="{service}"', "revision"),
    "argo": ('namespace="{namespace}"', "rollouts_pod_template_hash"),
    "kubernetes": ('namespace="{namespace}"', "pod_template_hash"),
    "flagger": ('namespace="{namespace}"', "pod_template_hash"),
}
"""Per deploy kind: which series are the service's, and the label carrying the revision.

sim-serve and in-house deployers label series `revision`; Kubernetes copies the controller's
pod-template-hash label into Prometheus (Argo's is rollouts-pod-template-hash); Flagger's
`{revision}` is the pod-template-hash of each Deployment's current ReplicaSet.
"""


def _kinds(prefix: str) -> list[str]:
    names = (piece.name for piece in _PIECES.iterdir())
    return sorted(
        n.removeprefix(prefix).removesuffix(".toml") for n in names if n.startswith(prefix)
    )


def starter_pairs() -> list[tuple[str, str]]:
    """Every (deploy, metrics) pair `rollwatch config init` can print."""
    return [
        (deploy, metrics)
        for deploy in _kinds("deploy-")
        for metrics in _kinds("metrics-")
        if _fits(deploy, metrics)
    ]


def _fits(deploy: str, metrics: str) -> bool:
    if "simulator" in (deploy, metrics):
        return deploy == metrics
    return metrics != "prometheus" or deploy in _PROMETHEUS_LABELS


def default_metrics(deploy: str) -> str:
    """The metrics adapter a deploy adapter's starter uses when none is asked for."""
    return "simulator" if deploy == "simulator" else "prometheus"


def starter(deploy: str = "simulator", metrics: str = "simulator") -> str:
    """A complete, commented rollwatch.toml for one deploy and one metrics adapter."""
    pairs = starter_pairs()
    if (deploy, metrics) not in pairs:
        raise ConfigError(_no_starter(deploy, metrics, pairs))
    metrics_piece = _PIECES.joinpath(f"metrics-{metrics}.toml").read_text(encoding="utf-8")
    if metrics == "prometheus":
        scope, label = _PROMETHEUS_LABELS[deploy]
        metrics_piece = Template(metrics_piece).substitute(scope=scope, label=label)
    return "".join(
        (
            f"# rollwatch.toml: {deploy} rollouts, {metrics} metrics.\n"
            "# Check it with `rollwatch config check`; durations read like 30s, 5m, 1h30m.\n\n",
            _PIECES.joinpath(f"deploy-{deploy}.toml").read_text(encoding="utf-8"),
            metrics_piece,
            _PIECES.joinpath("gates.toml").read_text(encoding="utf-8"),
        )
    )


def _no_starter(deploy: str, metrics: str, pairs: list[tuple[str, str]]) -> str:
    deploys, stores = _kinds("deploy-"), _kinds("metrics-")
    if deploy not in deploys:
        return f"no starter for deploy adapter {deploy!r}; starters: {', '.join(deploys)}"
    if metrics not in stores:
        return f"no starter for metrics adapter {metrics!r}; starters: {', '.join(stores)}"
    fitting = [m for d, m in pairs if d == deploy]
    return (
        f"{metrics} metrics do not describe {deploy} rollouts; "
        f"use --metrics {' or '.join(fitting)} with --deploy {deploy}"
    )
