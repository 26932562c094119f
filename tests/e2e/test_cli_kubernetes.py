"""The command line against the fake Kubernetes API: config, --context, -n, -A and -o.

No Kubernetes API server can run on this machine; tests/helpers/kube_fake.py serves real HTTP with
list and watch semantics and objects written from the Argo Rollouts facts.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from pathlib import Path

from tests.adapters.test_argo import rollout
from tui.cli.main import main


def write_config(directory: Path) -> Path:
    path = directory / "rollwatch.toml"
    path.write_text(
        "[deploy]\n"
        'kind = "argo"\n'
        f'kubeconfig = "{directory / "kubeconfig"}"\n'
        "backoff = 0\n"
        "[metrics]\n"
        'kind = "prometheus"\n'
        'url = "http://127.0.0.1:9"\n'
    )
    return path


async def run_cli(*args: str) -> tuple[int, str, str]:
    """`rollwatch ARGS` in a thread, so the fake API keeps serving on this loop."""
    out, err = io.StringIO(), io.StringIO()

    def call() -> int:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(list(args))
            except SystemExit as exit:
                return int(exit.code or 0)
        return 0

    code = await asyncio.to_thread(call)
    return code, out.getvalue(), err.getvalue()


async def test_list_reads_the_namespace_given(fake, tmp_path: Path):
    web = rollout()
    web["metadata"]["namespace"] = "shop"
    fake.put(web)
    config = str(write_config(tmp_path))
    code, out, err = await run_cli("list", "--config", config, "-n", "shop")
    assert code == 0, err
    assert out.splitlines()[1].startswith(f"shop/{web['metadata']['name']}")
    code, out, _ = await run_cli("list", "--config", config, "-n", "other")
    assert code == 0 and len(out.splitlines()) == 1, "only the header: nothing in 'other'"
    code, out, _ = await run_cli("list", "--config", config, "-A")
    assert code == 0 and len(out.splitlines()) == 2
    code, out, _ = await run_cli("list", "--config", config, "-o", "namespace=other")
    assert code == 0 and len(out.splitlines()) == 1, "-o namespace= is what -n sets"


async def test_a_misspelt_option_is_refused_by_name(fake, tmp_path: Path):
    config = str(write_config(tmp_path))
    code, out, err = await run_cli("list", "--config", config, "-o", "namespce=shop")
    assert (code, out) == (2, "")
    assert err.strip() == "rollwatch: -o namespce: unknown key; did you mean namespace?"


async def test_backend_replaces_the_configs_adapter_and_its_options(fake, tmp_path: Path):
    """`--backend http` with an argo config: the argo table's options do not carry over."""
    config = str(write_config(tmp_path))
    code, out, err = await run_cli("list", "--config", config, "--backend", "http")
    assert (code, out) == (2, "")
    assert err.strip().startswith("rollwatch: --backend http: url: required"), err
    assert "with -o KEY=VALUE" in err


async def test_an_unknown_context_is_one_line(fake, tmp_path: Path):
    config = str(write_config(tmp_path))
    code, out, err = await run_cli("list", "--config", config, "--context", "nope")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "nope" in err, err


async def test_promote_from_a_script_sends_the_cli_patch(fake, tmp_path: Path):
    web = rollout()
    web["metadata"]["namespace"] = "shop"
    fake.put(web)
    config = str(write_config(tmp_path))
    name = f"shop/{web['metadata']['name']}"
    code, out, err = await run_cli("promote", name, "--config", config, "--expect-step", "2")
    assert code == 0, err
    assert out.startswith(f"promote {name}:")
    assert [p.json() for p in fake.patches()] == [{"status": {"pauseConditions": None}}]
