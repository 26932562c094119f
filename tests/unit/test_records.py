"""The one rollout record of `list --json`, `status --json` and `wait --json`, and `-o` values."""

from __future__ import annotations

import argparse
import json

import pytest

from backends.simulator.adapter import Simulator
from tui import format
from tui.cli import output
from tui.cli.records import RolloutRecord, json_document, record
from tui.cli.source import option
from tui.session.demo import demo_session

FIELDS = {
    "id", "service", "namespace", "kind", "phase", "message", "awaits_decision", "step",
    "canary_weight", "revisions", "change", "started_at", "verdict", "gates", "links", "outcome",
    "result",
}  # fmt: skip


async def test_list_and_status_print_the_same_record(sim: Simulator):
    summary = (await sim.list_rollouts())[0]
    session = demo_session(sim)
    rollout = await session.snapshot()
    listed = json.loads(json_document([record(summary)]))[0]
    status = json.loads(
        json_document(record(rollout, judgement=session.judgement, links=session.links))
    )
    assert set(listed) == set(status) == FIELDS
    same = FIELDS - {"step", "gates", "verdict", "links"}
    assert {k: listed[k] for k in same} == {k: status[k] for k in same}
    assert listed["step"] == {"number": 2, "of": 7, "label": None}, "a list knows no labels"
    assert status["step"]["number"] == 2 and status["step"]["label"]
    assert listed["gates"] is None and listed["verdict"] is None and listed["links"] is None
    assert status["links"] == {"deploy": None, "metrics": None}
    assert {g["name"] for g in status["gates"]} >= {"p99 latency", "errors"}


async def test_the_step_number_is_the_one_the_table_shows(sim: Simulator):
    records = [record(r) for r in await sim.list_rollouts()]
    header, *rows = output.table(records).splitlines()
    column = header.index("STEP")
    for one, row in zip(records, rows, strict=True):
        assert row[column:].split()[0] == f"{one.step.number}/{one.step.of}", row


def test_a_rollout_past_its_last_step_reads_as_its_last_step():
    assert format.step_number(7, 7) == 7 and format.position(7, 7) == "7/7"
    assert format.step_number(0, 7) == 1 and format.position(None, 7) == "—/7"
    assert format.step_number(None, 0) is None and format.position(0, 0) == "—"
    assert format.step_index(3) == 2
    with pytest.raises(ValueError, match="start at 1"):
        format.step_index(0)


async def test_an_infinite_weight_is_null_not_bare_infinity(sim: Simulator):
    rollout = await sim.get_rollout("shop/checkout-api")
    odd = rollout.model_copy(update={"actual_weight": float("inf")})
    line = record(odd).model_dump_json()
    assert json.loads(line)["canary_weight"] is None and "Infinity" not in line
    assert "Infinity" not in json_document([record(odd)])


async def test_only_the_last_wait_record_carries_the_result(sim: Simulator):
    one = RolloutRecord.model_validate_json(
        json_document(record(await sim.get_rollout("shop/checkout-api")))
    )
    assert one.result is None
    ended = json.loads(one.ended(1, "gate failed: p99").model_dump_json())
    assert ended["result"] == {"exit": 1, "reason": "gate failed: p99"}


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("namespace=shop", "namespace", "shop"),
        ("speed=60", "speed", 60),
        ("speed=1.5", "speed", 1.5),
        ("all_namespaces=true", "all_namespaces", True),
        ('token="a b"', "token", "a b"),
        ("url=http://127.0.0.1:8787", "url", "http://127.0.0.1:8787"),
        ("change_annotations.sha=example.com/sha", "change_annotations.sha", "example.com/sha"),
        ("title=", "title", ""),
    ],
)
def test_an_option_value_reads_as_a_toml_scalar(text: str, key: str, value: object):
    given = option(text)
    assert (given.key, given.value, given.flag) == (key, value, f"-o {key}")
    assert type(given.value) is type(value)


@pytest.mark.parametrize(
    ("text", "needle"),
    [("namespace", "not KEY=VALUE"), ("=shop", "not KEY=VALUE"), ("a b=1", "not KEY=VALUE"),
     ("seeds=[1, 2]", "one value"), ("auth={a = 1}", "one value")],
)  # fmt: skip
def test_an_option_that_is_not_one_value_is_refused(text: str, needle: str):
    with pytest.raises(argparse.ArgumentTypeError, match=needle):
        option(text)
