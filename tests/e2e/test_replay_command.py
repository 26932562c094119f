"""`rollwatch demo --record FILE`, then `rollwatch replay FILE`: no backend, the same rollout."""

from __future__ import annotations

from pathlib import Path

import pytest

import tui.app
from backends.clock import VirtualClock
from tests.tui.test_replay_screens import live_app, screens
from tui.cli.main import main
from tui.session.demo import START


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    import asyncio

    path = tmp_path / "demo.jsonl"
    clock = VirtualClock(START)
    asyncio.run(screens(live_app(clock, "healthy", path), clock, (80, 24)))
    return path


def test_replay_opens_the_recorded_rollout_at_the_speed_asked(recording: Path, monkeypatch):
    seen = []

    class Opened:
        def __init__(self, player, *, speed, ui=None) -> None:
            seen.append((player.rollout_id, player.session.read_only, speed, player.length))

        async def run_async(self) -> None:
            return None

    monkeypatch.setattr(tui.app, "replay_app", Opened)
    with pytest.raises(SystemExit) as exit:
        main(["replay", str(recording), "--speed", "30"])
    assert exit.value.code == 0
    assert seen == [("shop/checkout-api", True, 30.0, 200.0)]


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda p: p.write_text("not json\n"), ":1: "),
        (lambda p: p.write_text(""), "not a rollwatch recording"),
        (lambda p: None, "cannot read it"),
    ],
    ids=["garbage", "empty", "missing"],
)
def test_a_bad_recording_is_one_line_and_exit_2(tmp_path: Path, capsys, make, needle):
    path = tmp_path / "bad.jsonl"
    make(path)
    with pytest.raises(SystemExit) as exit:
        main(["replay", str(path)])
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1


def test_an_unknown_rollout_names_the_recorded_ones(recording: Path, capsys):
    with pytest.raises(SystemExit) as exit:
        main(["replay", str(recording), "--rollout", "shop/nope"])
    assert exit.value.code == 2
    assert "known: shop/checkout-api" in capsys.readouterr().err
