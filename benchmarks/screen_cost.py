"""What rollwatch costs in a real terminal, measured beside the naive peer in the same run.

    .venv/bin/python benchmarks/screen_cost.py [--quick] [--sizes 160x48,80x24] [--tools DIR]

Needs tmux, and the `screen-cost` tool and the naive peer (`perf/naive_peer.py`: textual +
textual-plotext, 12 series redrawn every second) from `--tools` (default `../shared/tools`).
Every case runs in its own tmux terminal on a private tmux server:

- streaming: `rollwatch demo --speed 10` (a new sample per metric every second) and the peer at
  each size, side by side in time, so a busy machine weighs on both: CPU of one core, bytes
  written to the terminal per second, RSS, and the first frame as `screen-cost` sees it;
- idle: `--speed 0.001`, where no sample arrives and no clock on screen moves while it is
  measured: what the app costs when nothing changes (target: ~0 CPU, nothing written);
- slow: `--speed 1`, a sample every 10 s and the seconds of the elapsed time;
- twenty metrics: the watch screen with 20 graphs pairs, streaming at speed 10;
- first frame with data: from the command's start until a graph shows samples;
- key press: `?` (help) while data streams, from `tmux send-keys` until the help is on the
  screen, polled with `capture-pane`; the peer's command palette (ctrl+p) the same way; and the
  terminal's own floor (a key echoed by `cat`), which every number includes.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_GLYPHS = re.compile("[\u2801-\u28ff\u2581-\u2588\u2596-\u259f]")
"""Braille dots and block bars: a graph with samples on it (the label borders are ▏▕)."""
TWENTY_METRICS = 20


@dataclass(frozen=True)
class Cost:
    cpu: float
    bytes_per_s: float
    rss_mb: float
    first_frame: float | None


@dataclass
class Terminal:
    """A private tmux server: its sessions never mix with anyone else's."""

    home: Path

    source: Path
    """The rollwatch tree to run: this one, or a snapshot to compare with (`--source`)."""

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "TMUX"}
        return env | {"TMUX_TMPDIR": str(self.home), "PYTHONPATH": str(self.source)}

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", *args], env=self.env, cwd=self.source, capture_output=True, text=True
        )
        return done.stdout

    def start(self, name: str, size: str, command: Sequence[str]) -> None:
        cols, rows = size.split("x")
        line = " ".join(_quote(part) for part in command)
        self.tmux("new-session", "-d", "-s", name, "-x", cols, "-y", rows, line)

    def screen(self, name: str) -> str:
        return self.tmux("capture-pane", "-p", "-t", name)

    def wait_for(
        self, name: str, seen: Callable[[str], bool], timeout: float = 10.0, every: float = 0.005
    ) -> None:
        """Return once the screen satisfies `seen`, looking `every` seconds.

        Each look starts a tmux client: looking without a pause would take the CPU the
        program under test needs on a small machine, and slow down what it measures.
        """
        start = time.perf_counter()
        while time.perf_counter() - start < timeout:
            if seen(self.screen(name)):
                return
            time.sleep(every)
        raise TimeoutError(f"{name}: the screen did not change within {timeout:.0f} s")


def _quote(part: str) -> str:
    return part if re.fullmatch(r"[\w./=:,+-]+", part) else "'" + part.replace("'", "'\\''") + "'"


def screen_cost(
    term: Terminal, tool: Path, size: str, warm: int, measure: int, command: Sequence[str]
) -> Cost:
    done = subprocess.run(
        [str(tool), "-s", size, "-w", str(warm), "-m", str(measure), "--", *command],
        env=term.env,
        cwd=term.source,
        capture_output=True,
        text=True,
        check=False,
    )
    fields = dict(re.findall(r"(\w+)=(\S+)", done.stdout))
    if "cpu_pct" not in fields:
        raise RuntimeError(f"screen-cost failed for {command[-3:]}: {done.stderr.strip()[:600]}")
    ff = fields["first_frame_s"]
    return Cost(
        float(fields["cpu_pct"]),
        float(fields["bytes_per_s"]),
        float(fields["rss_mb"]),
        None if ff == "NA" else float(ff),
    )


def side_by_side(*runs: Callable[[], Cost]) -> list[Cost | None]:
    """Run the measurements at the same time, each started a second after the one before.

    A program that fails is reported and counted as missing; the other numbers still print.
    """
    with ThreadPoolExecutor(len(runs)) as pool:
        futures = []
        for run in runs:
            futures.append(pool.submit(run))
            time.sleep(1.0)
        costs: list[Cost | None] = []
        for future in futures:
            try:
                costs.append(future.result())
            except RuntimeError as error:
                print(error, file=sys.stderr)
                costs.append(None)
        return costs


def first_data_frame(term: Terminal, command: Sequence[str], size: str = "160x48") -> float:
    name = f"ff{random.randrange(10**6)}"
    start = time.perf_counter()
    term.start(name, size, command)
    try:
        term.wait_for(
            name, lambda screen: len(DATA_GLYPHS.findall(screen)) > 20, timeout=30, every=0.02
        )
        return time.perf_counter() - start
    finally:
        term.tmux("kill-session", "-t", name)


def key_latency(
    term: Terminal,
    command: Sequence[str],
    keys: tuple[str, str],
    marker: str | None,
    *,
    warm: float,
    rounds: int,
) -> list[float]:
    """Seconds from sending `keys[0]` until `marker` shows, at random moments between ticks.

    `keys[1]` closes what the first opened, untimed: Escape waits for the rest of a possible
    escape sequence in every terminal program, which says nothing about the program. With no
    `marker` the screen is not watched at all (a second apart instead), so that the program's
    own timing (`key_timing.py`) is taken without tmux clients competing for the CPU.
    """
    name = f"key{random.randrange(10**6)}"
    term.start(name, "160x48", command)
    latencies = []
    try:
        if warm:
            term.wait_for(name, lambda screen: bool(screen.strip()), timeout=30, every=0.1)
            time.sleep(warm)
        for _ in range(rounds):
            for key, shown in ((keys[0], True), (keys[1], False)):
                time.sleep(random.uniform(0.3, 1.3))
                start = time.perf_counter()
                term.tmux("send-keys", "-t", name, key)
                if marker is None:
                    time.sleep(1.0)
                    continue
                term.wait_for(name, lambda screen, s=shown: (marker in screen) == s, every=0.01)
                if shown:
                    latencies.append(time.perf_counter() - start)
    finally:
        term.tmux("kill-session", "-t", name)
    return latencies


def twenty_metrics_config(folder: Path, speed: float) -> Path:
    """The simulator with 20 graph pairs: the demo's metrics, repeated under new names."""
    queries = [
        ("requests", "req/s"),
        ("error_ratio", "%"),
        ("latency_p50", "ms"),
        ("latency_p99", "ms"),
    ]
    lines = [
        f'[deploy]\nkind = "simulator"\nspeed = {speed}\n',
        f'[metrics]\nkind = "simulator"\nspeed = {speed}\n',
    ]
    for i in range(TWENTY_METRICS):
        query, unit = queries[i % len(queries)]
        lines.append(f'[[metric]]\nname = "{query} {i + 1}"\nquery = "{query}"\nunit = "{unit}"\n')
    path = folder / "rollwatch.toml"
    path.write_text("\n".join(lines))
    return path


@dataclass(frozen=True)
class Target:
    cpu: float
    bytes_per_s: float
    peer_ratio: float | None = None


STREAMING_TARGETS = {
    "160x48": Target(5.0, 10_000, 1 / 7),
    "250x70": Target(8.0, 15_000),
    "80x24": Target(3.0, 4_000),
}
IDLE_TARGET = Target(0.5, 0)


def _kb(value: float) -> str:
    return f"{value / 1000:.1f} KB/s" if value >= 100 else f"{value:.0f} B/s"


def _verdict(cost: Cost, target: Target | None, peer: Cost | None) -> str:
    if target is None:
        return ""
    ok = cost.cpu <= target.cpu and cost.bytes_per_s <= max(target.bytes_per_s, 1)
    if target.peer_ratio is not None and peer is not None:
        ok = ok and cost.cpu <= peer.cpu * target.peer_ratio
    return "ok" if ok else "MISSED"


def row(case: str, size: str, cost: Cost | None, peer: Cost | None, target: Target | None) -> str:
    if cost is None:
        return f"| {case} | {size} | failed (see above) |"
    ratio = f"1/{peer.cpu / cost.cpu:.1f}" if peer and cost.cpu > 0 else "—"
    cells = [
        case,
        size,
        f"{cost.cpu:.1f} %",
        f"{peer.cpu:.1f} %" if peer else "—",
        ratio if peer else "—",
        _kb(cost.bytes_per_s),
        _kb(peer.bytes_per_s) if peer else "—",
        f"{cost.rss_mb:.0f} MB",
        f"{peer.rss_mb:.0f} MB" if peer else "—",
        f"{cost.first_frame} s" if cost.first_frame is not None else "—",
        _verdict(cost, target, peer),
    ]
    return "| " + " | ".join(cells) + " |"


HEADER = (
    "| case | size | rollwatch CPU | peer CPU | ratio | rollwatch bytes | peer bytes "
    "| rollwatch RSS | peer RSS | first frame | target |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|"
)


def _spread(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    p90 = ms[min(len(ms) - 1, round(0.9 * (len(ms) - 1)))]
    return f"median {statistics.median(ms):.0f} ms, p90 {p90:.0f} ms, max {ms[-1]:.0f} ms"


@dataclass
class Bench:
    """What every case needs: the terminal, the tools, the commands and the timings."""

    term: Terminal
    tool: Path
    peer: list[str]
    warm: int
    measure: int
    rounds: int
    rollwatch: tuple[str, ...] = (sys.executable, "-m", "tui")

    def cost(self, size: str, command: Sequence[str]) -> Cost:
        return screen_cost(self.term, self.tool, size, self.warm, self.measure, command)

    def demo(self, speed: str) -> list[str]:
        return [*self.rollwatch, "demo", "--speed", speed]


def streaming(bench: Bench, sizes: Sequence[str]) -> None:
    print(HEADER, flush=True)
    for size in sizes:
        ours, theirs = side_by_side(
            lambda s=size: bench.cost(s, bench.demo("10")),
            lambda s=size: bench.cost(s, bench.peer),
        )
        print(row("streaming", size, ours, theirs, STREAMING_TARGETS.get(size)), flush=True)


def quiet_and_crowded(bench: Bench) -> None:
    """No new data, a sample every 10 s, and twenty metrics, side by side in time."""
    config = twenty_metrics_config(bench.term.home, 10)
    twenty_command = [*bench.rollwatch, "watch", "shop/checkout-api", "--config", str(config)]
    idle, slow, twenty = side_by_side(
        lambda: bench.cost("160x48", bench.demo("0.001")),
        lambda: bench.cost("160x48", bench.demo("1")),
        lambda: bench.cost("160x48", twenty_command),
    )
    print(row("idle (speed 0.001)", "160x48", idle, None, IDLE_TARGET), flush=True)
    print(row("slow (speed 1)", "160x48", slow, None, None), flush=True)
    print(row("20 metrics", "160x48", twenty, None, None), flush=True)


def first_frames(bench: Bench) -> None:
    firsts = [first_data_frame(bench.term, bench.demo("10")) for _ in range(3)]
    peer_first = first_data_frame(bench.term, bench.peer)
    print(
        f"first frame with data (160x48): rollwatch {statistics.median(firsts):.2f} s "
        f"(median of 3: {', '.join(f'{f:.2f}' for f in firsts)}), "
        f"peer {peer_first:.2f} s; target ≤ 1.0 s",
        flush=True,
    )


def key_presses(bench: Bench) -> None:
    """Through the terminal (tmux, polled), then inside the program (`key_timing.py`)."""
    term, warm, rounds = bench.term, bench.warm, bench.rounds
    timing = [sys.executable, str(ROOT / "benchmarks" / "key_timing.py")]
    ours_log, peer_log = term.home / "ours.keys", term.home / "peer.keys"
    ours_timed = [*timing, str(ours_log), "-m", *bench.demo("10")[2:]]
    peer_timed = [*timing, str(peer_log), *bench.peer[1:]]
    help_keys, palette_keys = ("?", "Escape"), ("C-p", "Escape")
    floor = key_latency(term, ["cat"], ("x", "BSpace"), "x", warm=0, rounds=rounds)
    ours = key_latency(
        term, bench.demo("10"), help_keys, "rollwatch keys", warm=warm, rounds=rounds
    )
    peer = key_latency(
        term, bench.peer, palette_keys, "Search for commands", warm=warm, rounds=rounds
    )
    key_latency(term, ours_timed, help_keys, None, warm=warm, rounds=rounds)
    key_latency(term, peer_timed, palette_keys, None, warm=warm, rounds=rounds)
    print(f"key press while streaming, rollwatch ? (help):    {_spread(ours)}; target < 50 ms")
    print(f"  inside rollwatch (key event to frame written):  {_spread(_opened(ours_log))}")
    print(f"key press while streaming, peer ctrl+p (palette): {_spread(peer)}")
    print(f"  inside the peer:                                {_spread(_opened(peer_log))}")
    print(f"the terminal's floor (a key echoed by cat):       {_spread(floor)}")


def _opened(log: Path) -> list[float]:
    """The logged times of the keys that opened a screen (the timed ones; Escape closes)."""
    lines = [line.split() for line in log.read_text().splitlines()] if log.exists() else []
    return [float(seconds) for key, seconds in lines if key != "escape"] or [math.nan]


CASES = ("streaming", "quiet", "first", "keys")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="160x48,250x70,80x24")
    parser.add_argument("--cases", default=",".join(CASES), help=f"some of {', '.join(CASES)}")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--measure", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=10, help="key presses per program")
    parser.add_argument("--quick", action="store_true", help="160x48 only, 3 s + 10 s, 4 keys")
    parser.add_argument("--tools", type=Path, default=ROOT.parent / "shared" / "tools")
    parser.add_argument(
        "--source", type=Path, default=ROOT, help="rollwatch tree to measure (default: this one)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.warmup, args.measure, args.rounds = "160x48", 3, 10, 4
    cases = set(args.cases.split(","))
    with tempfile.TemporaryDirectory(prefix="rollwatch-cost-") as folder:
        term = Terminal(Path(folder), args.source.resolve())
        term.start("keepalive", "80x24", ["sleep", "3600"])
        bench = Bench(
            term,
            args.tools / "screen-cost",
            [sys.executable, str(args.tools / "perf" / "naive_peer.py")],
            args.warmup,
            args.measure,
            args.rounds,
        )
        try:
            if "streaming" in cases:
                streaming(bench, args.sizes.split(","))
            if "quiet" in cases:
                if "streaming" not in cases:
                    print(HEADER)
                quiet_and_crowded(bench)
            print()
            if "first" in cases:
                first_frames(bench)
            if "keys" in cases:
                key_presses(bench)
        except TimeoutError as error:
            print(f"stopped: {error}")
        finally:
            term.tmux("kill-server")
    return 0


if __name__ == "__main__":
    sys.exit(main())
