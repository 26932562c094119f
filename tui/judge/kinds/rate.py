"""The rate gate: canary events per unit of exposure against stable's, an exact count test."""

from __future__ import annotations

from backends.model import Role
from tui.format import duration
from tui.judge.data import Look, counted, gate_result, no_data, require
from tui.judge.result import JudgedGate, estimate
from tui.judge.specs import RateGate
from tui.judge.stats import rate_test
from tui.judge.text import count_noun, rate_line

RULE = {"confidence", "direction", "allowed_increase", "allowed_decrease"}
"""The gate fields that say what counts as a failing change."""


def evaluate(gate: RateGate, look: Look) -> JudgedGate:
    """Events and exposure summed over the window on each side, then the conditional test."""
    events, ce, nce = counted(gate, look, gate.numerator, Role.CANARY)
    _, se, nse = counted(gate, look, gate.numerator, Role.STABLE)
    exposure, cx, ncx = counted(gate, look, gate.denominator, Role.CANARY)
    _, sx, nsx = counted(gate, look, gate.denominator, Role.STABLE)
    n = require(gate, nce, nse, ncx, nsx)
    nouns = (count_noun(events.spec), count_noun(exposure.spec))
    for role, total in ((Role.CANARY, cx), (Role.STABLE, sx)):
        if total <= 0:
            span = duration(gate.window.total_seconds())
            raise no_data(gate, f"no {role.value} {nouns[1]} in the last {span}")
    cmp = rate_test.compare_rates(ce, cx, se, sx, **gate.model_dump(include=RULE))
    text = rate_line(gate, (ce, cx), (se, sx), nouns, cmp)
    return gate_result(gate, cmp.label, text, samples=n, estimate=estimate(cmp.effect, "rates"))
