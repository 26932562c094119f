"""End to end on real servers: `rollwatch wait` and the watch screen judge a canary from PromQL.

Everything here is what a user runs: `rollwatch sim-serve` serves the HTTP deploy API and exports
counters and histograms per revision; Prometheus or VictoriaMetrics scrapes its /metrics every
second; rollwatch.toml is what `rollwatch config init --deploy http --metrics prometheus` prints;
and the real CLI, or the watch screen, reads the rollout over HTTP and the metrics over PromQL.
A latency regression must fail the wait on a latency gate and the screen on the critical p99
gate; a healthy canary must pass its gates and roll out when promoted step by step.

The settings, chosen so that both stores finish well within 90 s on two cores:

- `--speed 10`: each 1 s scrape sees a new 10-second traffic sample of the simulator, and the
  simulated world starts 5 minutes into the rollout, paused with the canary on one host (5 % of
  traffic), so there is nothing to wait for before both revisions serve.
- The store stamps samples in wall-clock seconds whatever the speed, so only the starter's time
  settings change, for a store that scrapes every second: `resolution = "1s"` (a point per
  scrape; at the starter's 10 s, eight samples would take 80 s), rate windows `[5s]` with
  `sample_span = "5s"` to say so (5 scrapes and 50 simulated seconds of traffic per point; the
  anytime-valid p99 gate judges one pair per span, so at the starter's minute eight pairs would
  take eight minutes), windows of 2 minutes for the window gates, and `min_samples = 8` for
  every gate. The gates themselves stay as the starter has them.
- The regression puts the canary's p50 and p99 about 35 % above stable. The window gate on the
  p50 (allowed +15 %) fails on its eighth point, eight seconds in, long before the p99 gate has
  its eight pairs (40 s): the wait ends on the p50 gate. The screen keeps watching, and the
  critical p99 gate fails too once its evidence passes 100x against "at most +2 %". The
  healthy canary stays within 1-2 % of stable on both.
- Prometheus 2.42 applies scrape targets ~6 s after it starts and a rate needs two scrapes, so
  the first verdict comes ~15 s after start (~10 s on VictoriaMetrics). Both scenarios' servers
  start together, so the healthy store fills while the regression is judged.
- The judge's bake is set to 0: sim-serve reports its rollouts in wall-clock time, so the
  starter's 2 m bake would hold a passing verdict for up to two real minutes. Bake holds are
  tested under the virtual clock (tests/unit/test_session.py); here the stores are under test.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from backends.http.api import ROLLOUTS
from tests.helpers.servers import KINDS, MetricsServer, ServerFactory
from tests.helpers.sim_server import sim_serve_process
from tui.app import RollwatchApp
from tui.config.load import load_config
from tui.judge.specs import RollingGate
from tui.session.wiring import from_config
from tui.widgets.gates_panel import GatesPanel
from tui.widgets.graph import GraphData, MetricGraph
from tui.widgets.metric_row import MetricRow

pytest_plugins = ["tests.helpers.servers"]
pytestmark = pytest.mark.servers

ROLLOUT = "shop/checkout-api"
ROLLOUT_PATH = f"{ROLLOUTS}/{quote(ROLLOUT, safe='')}"
SPEED = 10
SCENARIOS = ("latency-regression", "healthy")
MIN_SAMPLES = 8
WAIT_TIMEOUT = 60.0
"""The CLI's own --timeout: far above the ~15 s a verdict takes, so exit 3 means a real hang."""
DEADLINE = 75.0
"""Seconds the screen test waits for both graphs and the p99 gate's verdict: ~15 s to the first
point from a cold store, then 40 s for the gate's eight 5-second pairs."""

Record = dict[str, Any]


@dataclass(frozen=True)
class Stack:
    """One scenario's sim-serve, the store scraping it, and the rollwatch.toml pointing at both."""

    api: str
    store: MetricsServer
    config: Path


@pytest.fixture(scope="module")
def starter() -> str:
    """The starter as `config init` prints it: the test adjusts it as a user would."""
    command = [sys.executable, "-m", "tui", "config", "init", "--deploy", "http"]
    command += ["--metrics", "prometheus"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def adjusted(starter: str, api: str, store: str) -> str:
    """The starter pointed at `api` and `store`, its time settings scaled for 1 s scrapes.

    Each edit must apply, so that a starter which changed shape fails here, not as a gate that
    silently keeps its 5-minute window.
    """
    edits = [
        ('url = "http://127.0.0.1:8787"', f'url = "{api}"'),
        ('url = "http://localhost:9090"', f'url = "{store}"'),
        ("[1m]", "[5s]"),
        ('sample_span = "1m"', 'sample_span = "5s"'),
        ("[[metric]]\n", '[[metric]]\nresolution = "1s"\n'),
        ("[[gate]]\n", f"[[gate]]\nmin_samples = {MIN_SAMPLES}\n"),
        ('kind = "relative"\n', 'kind = "relative"\nwindow = "2m"\n'),
        ('kind = "threshold"\n', 'kind = "threshold"\nwindow = "2m"\n'),
        ('bake = "2m"', 'bake = "0s"'),
    ]
    text = starter
    for old, new in edits:
        assert old in text, f"the starter no longer holds {old!r}"
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="module", params=KINDS)
def stacks(
    request: pytest.FixtureRequest,
    starter: str,
    metrics_server_factory: ServerFactory,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Stack]]:
    """Both scenarios on one kind of store, started together so that their warm-ups overlap.

    Each scenario gets its own store: both sim-serves export the same service and revisions, and
    one store scraping both would sum them into one canary.
    """
    workdir = tmp_path_factory.mktemp(f"wait-{request.param}")
    with contextlib.ExitStack() as running:
        stacks: dict[str, Stack] = {}
        for scenario in SCENARIOS:
            api = running.enter_context(sim_serve_process(scenario, speed=SPEED))
            store = metrics_server_factory(request.param, scrape_targets=[api])
            running.callback(store.stop)
            config = workdir / f"{scenario}.toml"
            config.write_text(adjusted(starter, api, store.url))
            stacks[scenario] = Stack(api, store, config)
        loaded = load_config(stacks["healthy"].config)
        assert {m.resolution.total_seconds() for m in loaded.metric} == {1.0}
        assert {g.min_samples for g in loaded.gate} == {MIN_SAMPLES}
        windows = {g.window.total_seconds() for g in loaded.gate if isinstance(g, RollingGate)}
        assert windows == {120.0}
        yield stacks


async def follow_wait(
    config: Path, on_record: Callable[[Record], Awaitable[None]] | None = None
) -> tuple[int, list[Record]]:
    """Run `rollwatch wait --json` to its end, handing each record to `on_record` as it comes."""
    proc = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "tui", "wait", ROLLOUT, "--config", str(config), "--json"),
        *("--timeout", f"{WAIT_TIMEOUT:g}s"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    said = asyncio.create_task(proc.stderr.read())
    records: list[Record] = []
    try:
        async with asyncio.timeout(WAIT_TIMEOUT + 20):
            async for line in proc.stdout:
                records.append(json.loads(line))
                if on_record is not None:
                    await on_record(records[-1])
            code = await proc.wait()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    errors = (await said).decode(errors="replace")
    assert records and records[-1]["result"], f"no result; stderr: {errors}"
    return code, records


def gates_of(record: Record) -> dict[str, Record]:
    return {gate["name"]: gate for gate in record["gates"]}


def judged(records: list[Record]) -> list[Record]:
    """The records that carry a verdict: the first may come before any judgement."""
    return [r for r in records if r["verdict"] is not None]


async def promote_to_the_end(api: httpx.AsyncClient) -> list[int]:
    """Promote step after step, each time expecting what a GET just showed, until it is done.

    A 409 means the rollout moved on by itself between the GET and the POST (a ramp finished):
    read it again and confirm what is there now, as a person would.
    """
    promoted: list[int] = []
    for _ in range(20):
        rollout = (await api.get(ROLLOUT_PATH)).raise_for_status().json()
        if rollout["phase"] == "healthy":
            return promoted
        expect = {"step": rollout["current_step"], "canary_revision": rollout["canary"]["id"]}
        reply = await api.post(f"{ROLLOUT_PATH}/promote", json={"expect": expect})
        if reply.status_code != 409:
            reply.raise_for_status()
            promoted.append(rollout["current_step"])
    pytest.fail(f"still not rolled out after promoting steps {promoted}")


async def test_wait_fails_a_latency_regression_on_the_p50_gate(stacks: dict[str, Stack]):
    code, records = await follow_wait(stacks["latency-regression"].config)

    result = records[-1]["result"]
    assert (code, result["exit"]) == (1, 1), records[-3:]
    assert result["reason"].startswith("gate failed: p50 latency: canary "), result
    verdict = judged(records)[-1]
    p50 = gates_of(verdict)["p50 latency"]
    assert (p50["status"], p50["classification"]) == ("fail", "High"), p50
    assert p50["samples"] >= MIN_SAMPLES
    assert verdict["verdict"]["status"] == "fail"


async def test_wait_passes_a_healthy_canary_promoted_to_the_end(stacks: dict[str, Stack]):
    """The test promotes only once every gate passes, so the exit 0 rests on a real judgement."""
    promoted: list[int] = []

    async with httpx.AsyncClient(base_url=stacks["healthy"].api, timeout=10) as api:

        async def promote_once_passing(record: Record) -> None:
            verdict = record["verdict"]
            if verdict and verdict["status"] == "pass" and not promoted:
                promoted.extend(await promote_to_the_end(api))

        code, records = await follow_wait(stacks["healthy"].config, promote_once_passing)

    result = records[-1]["result"]
    assert (code, result["exit"]) == (0, 0), records[-3:]
    assert re.fullmatch(
        r"checkout-api rolled out, completed: score 100 \((\d+) of \1 gates pass\) — pass; "
        r"7d5f8b6c4d is stable",
        result["reason"],
    ), result["reason"]
    assert promoted[0] == 1 and promoted[-1] == 6, promoted
    assert promoted == sorted(set(promoted)), "each step confirmed once"
    verdicts = judged(records)
    failed = [g for r in verdicts for g in r["gates"] if g["status"] == "fail"]
    assert not failed, failed
    passing = next(r for r in verdicts if r["verdict"]["status"] == "pass")
    assert all(g["samples"] >= MIN_SAMPLES for g in passing["gates"]), passing
    assert records[-2]["phase"] == "healthy" and records[-2]["result"] is None
    assert records[-1]["phase"] == "healthy" and records[-1]["step"]["number"] == 7


async def test_the_watch_screen_draws_both_revisions_from_the_store(
    stacks: dict[str, Stack], monkeypatch: pytest.MonkeyPatch
):
    shown: dict[int, GraphData] = {}
    show = MetricGraph.show

    def recording(graph: MetricGraph, data: GraphData) -> None:
        shown[id(graph)] = data
        show(graph, data)

    monkeypatch.setattr(MetricGraph, "show", recording)
    wired = from_config(load_config(stacks["latency-regression"].config))
    session = wired.session(ROLLOUT)
    updated = asyncio.Event()
    session.subscribe(lambda _: updated.set())
    app = RollwatchApp(session)

    def p99_graphs() -> tuple[GraphData | None, GraphData | None]:
        """What the p99 row last handed its stable and its canary graph."""
        for row in app.screen.query(MetricRow):
            if row.window.spec.name == "p99 latency":
                stable, canary = (row.query_one(f"#{r}", MetricGraph) for r in ("stable", "canary"))
                return shown.get(id(stable)), shown.get(id(canary))
        return None, None

    def gates_panel() -> str:
        return "".join(str(panel.render()) for panel in app.screen.query(GatesPanel))

    def drawn() -> bool:
        """Both p99 graphs hold points and the panel shows the p99 gate judged, not pending."""
        panel = gates_panel()
        verdict = panel.partition("\n")[0]
        judged = verdict.startswith("verdict") and "PENDING" not in verdict
        p99_judged = "p99 latency: canary" in panel
        return judged and p99_judged and all(d is not None and d.points for d in p99_graphs())

    try:
        async with app.run_test(size=(120, 36)) as pilot:
            async with asyncio.timeout(DEADLINE):
                while not drawn():
                    await updated.wait()
                    updated.clear()
                    await pilot.pause()

            stable, canary = p99_graphs()
            assert stable is not None and canary is not None
            assert stable.y_range == canary.y_range and stable.x_range == canary.x_range
            slower = median(v for _, v in canary.points) / median(v for _, v in stable.points)
            assert 1.2 < slower < 1.5, "latency-regression: the canary is 35 % slower"
            panel = gates_panel()
            assert "FAIL" in panel.partition("\n")[0], panel
            p99 = next(line for line in panel.splitlines() if "p99 latency: canary" in line)
            assert "fail" in p99 and "High: evidence" in p99, panel
    finally:
        await wired.aclose()
