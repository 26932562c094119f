"""Real metric stores for adapter tests: Prometheus and VictoriaMetrics on loopback ports.

Adapters are tested against the servers users run, because a mock only knows what its author
believed about the API (how NaN is encoded, which status code a parse error gets). Each server
gets a free port and a temporary data directory; data is seeded before the first query (backfilled
blocks for Prometheus, the import API for VictoriaMetrics) so tests assert exact numbers, and scrape
targets can be added so an end-to-end test can have the store scrape `rollwatch sim-serve`.

Use the fixtures from a test module with `pytest_plugins = ["tests.helpers.servers"]`. A
missing binary skips the test, unless ROLLWATCH_REQUIRE_SERVERS=1 (CI), where it fails.

Timing: either store is ready within about 0.2 s. Prometheus 2.42 applies scrape targets only
after its discovery manager's 5 s update throttle, so the first scrape lands ~6 s after start;
VictoriaMetrics scrapes within a second, and `MetricsServer.flush()` makes it searchable at once.

PYTEST_DONT_REWRITE: test modules import helpers from here before pytest loads it as a plugin,
and it holds no asserts to rewrite.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Literal, NamedTuple, Protocol
from urllib.parse import urlsplit

import httpx
import pytest

REQUIRE_ENV = "ROLLWATCH_REQUIRE_SERVERS"
STARTUP_DEADLINE = 20.0
"""Seconds a server may take to become ready; both usually need well under one."""

Kind = Literal["prometheus", "victoria-metrics"]
KINDS: tuple[Kind, ...] = ("prometheus", "victoria-metrics")


def binary(name: str) -> str:
    """The path of `name`; skips the test without it, or fails it when servers are required."""
    path = shutil.which(name)
    if path is None:
        reason = f"{name} is not installed (apt-get install prometheus victoria-metrics)"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{reason}; {REQUIRE_ENV}=1 requires it")
        pytest.skip(reason)
    return path


def free_port() -> int:
    """A port nothing listens on right now (also handy as a connection-refused target)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Sample(NamedTuple):
    """One seeded sample; `t` in unix seconds."""

    metric: str
    labels: dict[str, str]
    t: float
    v: float


def _value(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return repr(v)


def _selector(sample: Sample) -> str:
    def escape(value: str) -> str:
        return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

    labels = ",".join(f'{k}="{escape(v)}"' for k, v in sorted(sample.labels.items()))
    return f"{sample.metric}{{{labels}}}"


def openmetrics(samples: Sequence[Sample]) -> str:
    """OpenMetrics text for promtool: families contiguous, each series' samples in time order."""
    lines: list[str] = []
    family = None
    for sample in sorted(samples, key=lambda s: (s.metric, sorted(s.labels.items()), s.t)):
        if sample.metric != family:
            family = sample.metric
            lines.append(f"# TYPE {family} gauge")
        lines.append(f"{_selector(sample)} {_value(sample.v)} {sample.t:.3f}")
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


def prometheus_text(samples: Sequence[Sample]) -> str:
    """Prometheus exposition text with millisecond timestamps, as VictoriaMetrics imports it."""
    return "".join(f"{_selector(s)} {_value(s.v)} {round(s.t * 1000)}\n" for s in samples)


@dataclass(frozen=True)
class ScrapeTarget:
    """An endpoint the store scrapes; a plain "host:port" or URL string converts to one."""

    address: str
    metrics_path: str = "/metrics"
    scheme: str = "http"
    job: str | None = None

    @classmethod
    def of(cls, target: str | ScrapeTarget) -> ScrapeTarget:
        if isinstance(target, ScrapeTarget):
            return target
        if "://" not in target:
            return cls(target)
        parts = urlsplit(target)
        return cls(parts.netloc, parts.path or "/metrics", parts.scheme)


def scrape_configs(
    targets: Sequence[str | ScrapeTarget], interval: str = "1s"
) -> list[dict[str, object]]:
    """One job per target, named `scrape-<n>` unless the target names its job."""
    configs: list[dict[str, object]] = []
    for index, target in enumerate(ScrapeTarget.of(t) for t in targets):
        configs.append(
            {
                "job_name": target.job or f"scrape-{index}",
                "scrape_interval": interval,
                "scrape_timeout": interval,
                "scheme": target.scheme,
                "metrics_path": target.metrics_path,
                "static_configs": [{"targets": [target.address]}],
            }
        )
    return configs


@dataclass(frozen=True)
class WebSecurity:
    """TLS and basic auth in front of Prometheus (its --web.config.file)."""

    cert_file: Path
    key_file: Path
    username: str
    password: str
    password_hash: str
    """bcrypt of `password`; Prometheus checks nothing else."""


@dataclass
class MetricsServer:
    """A running store; `url` is what an adapter's `url` option takes."""

    kind: Kind
    url: str
    workdir: Path
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def flush(self) -> None:
        """Make everything written so far searchable (VictoriaMetrics buffers for seconds)."""
        if self.kind == "victoria-metrics":
            httpx.get(f"{self.url}/internal/force_flush", timeout=10).raise_for_status()

    def import_samples(self, samples: Sequence[Sample]) -> None:
        """Write samples through VictoriaMetrics' import API and wait until they are searchable.

        VictoriaMetrics buffers fresh samples for about a second; the force-flush endpoint makes
        them searchable now, and the series count confirms it.
        """
        if self.kind != "victoria-metrics":
            raise TypeError("only VictoriaMetrics imports over HTTP; Prometheus is backfilled")
        expected = len({(s.metric, tuple(sorted(s.labels.items()))) for s in samples})
        with httpx.Client(base_url=self.url, timeout=10) as client:
            client.post("/api/v1/import/prometheus", content=prometheus_text(samples))
            deadline = time.monotonic() + STARTUP_DEADLINE
            while True:
                self.flush()
                count = client.get("/api/v1/series/count").json()["data"][0]
                if count >= expected:
                    return
                if time.monotonic() > deadline:
                    raise RuntimeError(f"VictoriaMetrics shows {count} of {expected} series")
                time.sleep(0.05)


def _wait_ready(
    process: subprocess.Popen[bytes], url: str, log_path: Path, client: httpx.Client
) -> bool:
    """Poll readiness with a deadline; False when the process died (a port taken meanwhile)."""
    deadline = time.monotonic() + STARTUP_DEADLINE
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if client.get(url).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    process.kill()
    tail = log_path.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"{url} not ready within {STARTUP_DEADLINE}s; log:\n{tail}")


def _launch(
    kind: Kind,
    workdir: Path,
    command: Callable[[int], list[str]],
    ready_path: str,
    security: WebSecurity | None = None,
) -> MetricsServer:
    """Start on a free port, retrying with another if one is taken between probe and bind."""
    scheme = "https" if security else "http"
    auth = (security.username, security.password) if security else None
    log_path = workdir / f"{kind}.log"
    with httpx.Client(verify=False, auth=auth, timeout=2) as client:
        for _ in range(3):
            port = free_port()
            url = f"{scheme}://127.0.0.1:{port}"
            with log_path.open("ab") as log:
                process = subprocess.Popen(
                    command(port), stdout=log, stderr=subprocess.STDOUT, cwd=workdir
                )
            if _wait_ready(process, url + ready_path, log_path, client):
                return MetricsServer(kind, url, workdir, process, log_path)
    raise RuntimeError(f"{kind} exited at startup; log:\n{log_path.read_text()[-2000:]}")


def start_prometheus(
    workdir: Path,
    *,
    seed: Sequence[Sample] = (),
    scrape_targets: Sequence[str | ScrapeTarget] = (),
    scrape_interval: str = "1s",
    config: dict[str, object] | None = None,
    security: WebSecurity | None = None,
) -> MetricsServer:
    """Prometheus with `seed` backfilled into its data directory before it opens it.

    `config` is merged into the top level of prometheus.yml (e.g. `remote_read`).
    """
    prometheus = binary("prometheus")
    data = workdir / "data"
    data.mkdir(parents=True, exist_ok=True)
    if seed:
        source = workdir / "seed.om.txt"
        source.write_text(openmetrics(seed))
        subprocess.run(
            [
                binary("promtool"),
                "tsdb",
                "create-blocks-from",
                "openmetrics",
                str(source),
                str(data),
            ],
            check=True,
            capture_output=True,
        )
    # JSON is YAML, so the config needs no YAML writer.
    settings = {
        "global": {"scrape_interval": scrape_interval, "evaluation_interval": scrape_interval},
        "scrape_configs": scrape_configs(scrape_targets, scrape_interval),
        **(config or {}),
    }
    (workdir / "prometheus.yml").write_text(json.dumps(settings, indent=2))
    flags = [f"--config.file={workdir / 'prometheus.yml'}", f"--storage.tsdb.path={data}"]
    if security:
        web = {
            "tls_server_config": {
                "cert_file": str(security.cert_file),
                "key_file": str(security.key_file),
            },
            "basic_auth_users": {security.username: security.password_hash},
        }
        (workdir / "web.yml").write_text(json.dumps(web))
        flags.append(f"--web.config.file={workdir / 'web.yml'}")

    def command(port: int) -> list[str]:
        return [prometheus, *flags, f"--web.listen-address=127.0.0.1:{port}"]

    return _launch("prometheus", workdir, command, "/-/ready", security)


def start_victoria_metrics(
    workdir: Path,
    *,
    seed: Sequence[Sample] = (),
    scrape_targets: Sequence[str | ScrapeTarget] = (),
    scrape_interval: str = "1s",
) -> MetricsServer:
    """VictoriaMetrics, seeded through its import API once it is up.

    The result cache is off and the latency offset zero so that a test sees what was just
    written or scraped, as a user's fresh canary data must be seen.
    """
    victoria = binary("victoria-metrics")
    flags = [
        f"-storageDataPath={workdir / 'data'}",
        "-search.disableCache",
        "-search.latencyOffset=0s",
        "-loggerLevel=WARN",
    ]
    if scrape_targets:
        config = {"scrape_configs": scrape_configs(scrape_targets, scrape_interval)}
        (workdir / "scrape.yml").write_text(json.dumps(config, indent=2))
        flags.append(f"-promscrape.config={workdir / 'scrape.yml'}")

    def command(port: int) -> list[str]:
        return [victoria, *flags, f"-httpListenAddr=127.0.0.1:{port}"]

    server = _launch("victoria-metrics", workdir, command, "/health")
    if seed:
        server.import_samples(seed)
    return server


class ServerFactory(Protocol):
    def __call__(
        self,
        kind: Kind,
        *,
        seed: Sequence[Sample] = (),
        scrape_targets: Sequence[str | ScrapeTarget] = (),
        scrape_interval: str = "1s",
        config: dict[str, object] | None = None,
        security: WebSecurity | None = None,
    ) -> MetricsServer: ...


@pytest.fixture(scope="session")
def metrics_server_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerFactory]:
    """Starts stores on demand; every one is stopped when the session ends (or by `.stop()`)."""
    started: list[MetricsServer] = []

    def start(
        kind: Kind,
        *,
        seed: Sequence[Sample] = (),
        scrape_targets: Sequence[str | ScrapeTarget] = (),
        scrape_interval: str = "1s",
        config: dict[str, object] | None = None,
        security: WebSecurity | None = None,
    ) -> MetricsServer:
        workdir = tmp_path_factory.mktemp(kind)
        if kind == "prometheus":
            server = start_prometheus(
                workdir,
                seed=seed,
                scrape_targets=scrape_targets,
                scrape_interval=scrape_interval,
                config=config,
                security=security,
            )
        else:
            if config or security:
                raise ValueError("config and security apply to Prometheus only")
            server = start_victoria_metrics(
                workdir, seed=seed, scrape_targets=scrape_targets, scrape_interval=scrape_interval
            )
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def prometheus_server(metrics_server_factory: ServerFactory) -> MetricsServer:
    """An empty Prometheus scraping nothing."""
    return metrics_server_factory("prometheus")


@pytest.fixture(scope="session")
def victoria_metrics_server(metrics_server_factory: ServerFactory) -> MetricsServer:
    """An empty VictoriaMetrics scraping nothing."""
    return metrics_server_factory("victoria-metrics")


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made by openssl for this run only."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    command = [
        *(binary("openssl"), "req", "-x509", "-newkey", "ec", "-nodes", "-days", "2"),
        *("-pkeyopt", "ec_paramgen_curve:prime256v1", "-subj", "/CN=127.0.0.1"),
        *("-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)),
    ]
    subprocess.run(command, check=True, capture_output=True)
    return cert, key


@dataclass(frozen=True)
class TlsServer:
    """TLS for a StubServer: its certificate and, for mutual TLS, the CA client certificates
    must be signed by (a self-signed client certificate is its own CA)."""

    cert_file: Path
    key_file: Path
    client_ca: Path | None = None

    def context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        if self.client_ca is not None:
            context.load_verify_locations(self.client_ca)
            context.verify_mode = ssl.CERT_REQUIRED
        return context


@dataclass(frozen=True)
class Reply:
    """A canned HTTP answer; `delay` holds it back to provoke client timeouts."""

    status: int = 200
    body: str | bytes = ""
    content_type: str = "application/json"
    delay: float = 0.0


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class StubServer:
    """A real loopback HTTP server answering from a script of replies and recording requests.

    For what a real store cannot be made to do on demand (a 503 then a success, garbage JSON),
    this still exercises the adapter's real sockets instead of patching httpx.
    """

    url: str
    replies: list[Reply] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)

    def next_reply(self) -> Reply:
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]


@contextlib.contextmanager
def stubbed(tls: TlsServer | None = None) -> Iterator[StubServer]:
    """A StubServer on a free port, over TLS with `tls`; set `replies` before the request (the
    last one repeats)."""
    stub = StubServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self._answer()

        def do_GET(self) -> None:
            self._answer()

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            stub.requests.append(Recorded(self.command, self.path, dict(self.headers), body))
            reply = stub.next_reply()
            time.sleep(reply.delay)
            payload = reply.body.encode() if isinstance(reply.body, str) else reply.body
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.context().wrap_socket(server.socket, server_side=True)
    scheme = "https" if tls else "http"
    stub.url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def stub_server() -> Iterator[StubServer]:
    """A StubServer over plain HTTP."""
    with stubbed() as stub:
        yield stub
