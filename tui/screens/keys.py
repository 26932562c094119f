"""The watch screen's keys: bindings with ids (remappable by `[ui] keys`), and the help they
make, read from the keys as they are bound now, so a remapped key is shown as remapped."""

from __future__ import annotations

from textual.binding import ActiveBinding, Binding, BindingType
from textual.dom import DOMNode

WATCH_BINDINGS: list[BindingType] = [
    Binding("p", "promote", "Promote", tooltip="Move the rollout to its next step.", id="promote"),
    Binding(
        "P", "promote_full", "Promote all", tooltip="Skip every remaining step.", id="promote-full"
    ),
    Binding("a", "abort", "Abort", tooltip="Send all traffic back to stable.", id="abort"),
    Binding("s", "pause", "Pause", tooltip="Hold the rollout where it is.", id="pause"),
    Binding("c", "resume", "Resume", tooltip="Let a paused rollout go on.", id="resume"),
    Binding("r", "retry", "Retry", tooltip="Start an aborted rollout again.", id="retry"),
    Binding("question_mark", "help", "Help", tooltip="Show the keys.", id="help"),
    Binding("q", "quit", "Quit", tooltip="Leave rollwatch; the rollout goes on.", id="quit"),
]

HELP = {
    "promote": "promote: confirm, then move to the next step",
    "promote-full": "promote fully: confirm, then skip every remaining step",
    "abort": "abort: confirm, then send all traffic back to stable",
    "pause": "pause: confirm, then hold the rollout where it is",
    "resume": "resume: confirm, then let a paused rollout go on",
    "retry": "retry: confirm, then start an aborted rollout again from step 1",
    "help": "this help",
    "quit": "quit (the rollout goes on without you)",
}
"""What each binding does, by id; a binding not listed (a subclass's) shows its tooltip."""


def help_rows(node: DOMNode, active: dict[str, ActiveBinding]) -> list[tuple[str, str]]:
    """One row per binding of `node` on offer, its keys as bound now (after `[ui] keys`)."""
    keys: dict[str, list[str]] = {}
    bindings: dict[str, Binding] = {}
    for shown in active.values():
        binding = shown.binding
        if shown.node is not node or binding.id is None:
            continue
        bindings.setdefault(binding.id, binding)
        keys.setdefault(binding.id, []).append(node.app.get_key_display(binding))
    order = list(HELP)
    names = sorted(keys, key=lambda name: order.index(name) if name in HELP else len(order))
    return [
        (" ".join(keys[name]), HELP.get(name, bindings[name].tooltip or bindings[name].description))
        for name in names
    ]
