"""The commands under faults and bad input: a lost answer, a hostile deploy API, a store that is
down, ids and numbers no one should type.

The deploy API is `sim-serve` in the test's loop, reached through tests.helpers.fault_server,
which relays, drops or rewrites what passes; the command runs in a worker thread with its own
loop, exactly as `main()` runs it, so the servers keep answering while it does.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backends.http.api import ROLLOUTS
from backends.simulator.adapter import Simulator
from tests.helpers.fault_server import Answer, Drop, FaultServer, Forward, Relay, fault_server
from tests.helpers.servers import free_port
from tests.helpers.sim_server import Running, serving
from tui.cli.main import main
from tui.config.starter import starter
from tui.sim_serve.server import SimulatorApi

ID = "shop/checkout-api"
TOKEN = "deploy-t0ken-7c41e9"
HOSTILE = "\x1b]0;owned\x07\x1b[2J"


@pytest.fixture
async def upstream(sim: Simulator) -> AsyncIterator[Running]:
    async with serving(SimulatorApi(sim, token=TOKEN)) as running:
        yield running


@pytest.fixture
async def proxy() -> AsyncIterator[FaultServer]:
    async with fault_server() as server:
        yield server


def config(directory: Path, deploy_url: str) -> Path:
    """http deploy with a token, and a metrics store nobody listens on (it answers nothing)."""
    text = starter("http", "prometheus")
    text = text.replace('url = "http://127.0.0.1:8787"', f'url = "{deploy_url}"\ntoken = "{TOKEN}"')
    dead = f"http://127.0.0.1:{free_port()}"
    text = text.replace(
        'url = "http://localhost:9090"', f'url = "{dead}"\ntimeout = 1\nmax_retries = 0'
    )
    path = directory / "rollwatch.toml"
    path.write_text(text)
    return path


def judged_config(directory: Path, deploy_url: str) -> Path:
    """`config`, but with metrics that answer (the simulator's), so that `promote`, which judges
    the gates before it acts and never acts on missing data, gets as far as acting."""
    path = config(directory, deploy_url)
    deploy = path.read_text().split("\n[metrics]")[0]
    metrics = starter("simulator", "simulator").split("\n[metrics]", 1)[1]
    path.write_text(f"{deploy}\n[metrics]{metrics}")
    return path


async def command(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit:
        await asyncio.to_thread(main, list(args))
    out, err = capsys.readouterr()
    return int(exit.value.code or 0), out, err


def is_action(path: str) -> bool:
    return path.endswith(("/promote", "/abort", "/retry"))


# -- a lost answer -------------------------------------------------------------------------------


async def test_a_promote_applied_whose_answer_was_lost_says_so(
    capsys, tmp_path, sim, upstream, proxy
):
    proxy.script = lambda r: Forward(upstream.url) if is_action(r.path) else Relay(upstream.url)
    code, out, err = await command(
        capsys, "promote", ID, "--config", str(judged_config(tmp_path, proxy.url))
    )
    assert code == 5 and out == ""
    assert "the promote of shop/checkout-api got no answer" in err
    assert "the promote may have been applied: the rollout is now progressing, step 3/7" in err
    assert "(it was paused, step 2/7" in err and "before acting again" in err
    assert (await sim.get_rollout(ID)).current_step == 2, "applied once"
    (sent,) = [r for r in proxy.requests if is_action(r.path)]
    expect = json.loads(sent.body)["expect"]
    assert expect["step"] == 1 and expect["canary_revision"], "what was read just before"


async def test_a_promote_lost_before_it_arrived_says_it_was_not_applied(
    capsys, tmp_path, sim, upstream, proxy
):
    proxy.script = lambda r: Drop() if is_action(r.path) else Relay(upstream.url)
    code, out, err = await command(
        capsys, "promote", ID, "--config", str(judged_config(tmp_path, proxy.url))
    )
    assert code == 4 and out == ""
    assert "not applied: the rollout is still paused, step 2/7" in err
    assert "trying again is safe" in err
    assert (await sim.get_rollout(ID)).current_step == 1


async def test_a_promote_whose_rollout_cannot_be_read_again_may_have_been_applied(
    capsys, tmp_path, sim, upstream, proxy
):
    reads = 0

    def script(request):
        nonlocal reads
        if is_action(request.path):
            return Forward(upstream.url)
        reads += 1
        return Relay(upstream.url) if reads == 1 else Answer(503, "down", "text/plain")

    proxy.script = script
    code, _, err = await command(
        capsys, "promote", ID, "--config", str(judged_config(tmp_path, proxy.url))
    )
    assert code == 5
    assert "the rollout cannot be read now" in err and "may have been applied" in err


# -- a hostile deploy API, a store that is down ------------------------------------------------


async def test_status_shows_neither_escapes_nor_the_token_and_names_the_metrics_outage(
    capsys, tmp_path, sim, proxy
):
    rollout = await sim.get_rollout(ID)
    steps = [
        s.model_copy(update={"label": f"bake\n  verdict  PASS{HOSTILE}"}) for s in rollout.steps
    ]
    hostile = rollout.model_copy(
        update={"message": f"token {TOKEN} rejected{HOSTILE}", "steps": steps}
    )
    proxy.always(Answer(200, hostile.model_dump_json()))
    path = str(config(tmp_path, proxy.url))
    for extra in ([], ["--json"]):
        code, out, _ = await command(capsys, "status", ID, "--config", path, *extra)
        assert code == 0
        assert TOKEN not in out and "\x1b" not in out and "\x07" not in out
        shown = json.loads(out)["message"] if extra else out
        assert "token *** rejected\\x1b]0;owned\\x07" in shown
        assert "\n  verdict  PASS" not in out, "a label cannot start a line of its own"
    code, out, _ = await command(capsys, "status", ID, "--config", path)
    metrics = [line for line in out.splitlines() if line.strip().startswith("metrics")]
    assert metrics and "did not answer" in metrics[0], out


async def test_wait_prints_the_deploy_systems_words_masked_and_printable(tmp_path, sim, proxy):
    """As a process: wait writes to the stdout it started with."""
    rollout = await sim.get_rollout(ID)
    hostile = rollout.model_copy(update={"message": f"token {TOKEN}{HOSTILE}"})
    proxy.always(Answer(200, hostile.model_dump_json()))
    path = str(config(tmp_path, proxy.url))
    wait = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "tui", "wait", ID, "--config", path, "--timeout", "1s", "--json"),
        stdout=asyncio.subprocess.PIPE,
    )
    output, _ = await asyncio.wait_for(wait.communicate(), 60)
    code, out = wait.returncode, output.decode()
    assert code == 3
    assert TOKEN not in out and "\x1b" not in out
    assert json.loads(out.splitlines()[-1])["message"] == "token ***\\x1b]0;owned\\x07\\x1b[2J"


async def test_a_refusal_quoting_the_token_is_printed_masked(capsys, tmp_path, proxy):
    proxy.always(
        Answer(
            401, lambda r: f"bad credentials {r.headers['authorization']}{HOSTILE}", "text/plain"
        )
    )
    code, out, err = await command(capsys, "list", "--config", str(config(tmp_path, proxy.url)))
    assert code == 4 and out == ""
    assert TOKEN not in err and "\x1b" not in err
    assert "bad credentials Bearer ***" in err


async def test_pause_on_the_http_adapter_names_the_adapter(capsys, tmp_path, proxy):
    proxy.always(Answer(200, "[]"))
    code, _, err = await command(capsys, "pause", ID, "--config", str(config(tmp_path, proxy.url)))
    assert code == 2
    assert err.strip() == "rollwatch: the http adapter cannot pause rollouts"
    assert proxy.requests == [], "refused before anything was read"


# -- input no one should type ------------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "tui", *args], capture_output=True, text=True, timeout=60
    )
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["promote", "shop/payments/../checkout-api"], "`.` and `..` are not allowed as parts"),
        (["abort", "shop/./checkout-api"], "`.` and `..` are not allowed as parts"),
        (["status", "shop//checkout-api"], "it has an empty part"),
        (["wait", "x" * 100_000], "100,000 characters long; at most 1,000"),
        (["watch", "shop/\x1b[2Jx"], "it holds a control character"),
        (["demo", "--speed", "nan"], "--speed: 'nan' is not a finite number"),
        (["sim-serve", "--speed", "1e308"], "--speed: '1e308' is too fast"),
        (["wait", "--backend", "simulator", "--timeout", "99999999999h"], "at most 720h"),
        (["pause", "shop/checkout-api", "--expect-step", "0"], "counted from 1, as shown"),
    ],
)
def test_absurd_input_is_one_line_and_exit_2(args, needle):
    code, out, err = run(*args)
    assert code == 2 and out == ""
    assert needle in err
    assert len(err.strip().splitlines()) == 1 and len(err) < 400, err
    assert "Traceback" not in err and "\x1b" not in err


async def test_the_id_is_checked_before_anything_is_sent(capsys, tmp_path, proxy):
    proxy.always(Answer(200, "{}"))
    code, _, err = await command(
        capsys, "promote", f"{ROLLOUTS}/../x", "--config", str(config(tmp_path, proxy.url))
    )
    assert code == 2 and "is not a rollout id" in err
    assert proxy.requests == []
