"""`rollwatch` with no command, and `rollwatch watch` with no id, open the overview."""

from __future__ import annotations

from pathlib import Path

import pytest

import tui.app
from tui.cli.main import main
from tui.config.starter import starter


class Opened:
    """Stands in for the overview app: records what it was given, then ends at once."""

    def __init__(self) -> None:
        self.calls: list[tuple[object, object]] = []

    def __call__(self, overview, open_session, *, ui=None, read_only=False):
        self.calls.append((overview, open_session))
        return self

    async def run_async(self) -> None:
        overview, open_session = self.calls[-1]
        rows = await overview.deploy.list_rollouts()  # type: ignore[attr-defined]
        self.ids = [r.id for r in rows]
        self.session = open_session(self.ids[0])  # type: ignore[operator]


@pytest.mark.parametrize(
    "argv", [[], ["watch"], ["--backend", "simulator"]], ids=["nothing", "watch", "options"]
)
def test_no_command_or_no_id_opens_the_overview(argv, tmp_path: Path, monkeypatch):
    config = tmp_path / "rollwatch.toml"
    config.write_text(starter("simulator", "simulator"))
    monkeypatch.setenv("ROLLWATCH_CONFIG", str(config))
    opened = Opened()
    monkeypatch.setattr(tui.app, "overview_app", opened)
    with pytest.raises(SystemExit) as exit:
        main(argv)
    assert exit.value.code == 0
    assert len(opened.calls) == 1 and "shop/checkout-api" in opened.ids
    assert opened.session.rollout_id == opened.ids[0]


def test_record_writes_the_overviews_sessions(tmp_path: Path, monkeypatch):
    opened = Opened()
    monkeypatch.setattr(tui.app, "overview_app", opened)
    recording = tmp_path / "seen.jsonl"
    with pytest.raises(SystemExit) as exit:
        main(["watch", "--backend", "simulator", "--record", str(recording)])
    assert exit.value.code == 0
    first = recording.read_text().splitlines()[0]
    assert '"kind":"recording"' in first and '"rollout":null' in first


def test_record_to_a_place_that_cannot_be_written_is_a_usage_error(tmp_path: Path, capsys):
    with pytest.raises(SystemExit) as exit:
        main(["demo", "--record", str(tmp_path / "missing" / "x.jsonl")])
    assert exit.value.code == 2
    assert "--record: cannot record to" in capsys.readouterr().err
