"""The `[ui]` checks run without Textual; these keep their tables equal to what the app has."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.theme import BUILTIN_THEMES

from tui.config.ui import KEYS, TEXTUAL_KEYS, THEMES
from tui.screens.watch import WatchScreen


def test_the_config_knows_every_theme_the_app_has():
    assert set(THEMES) == set(BUILTIN_THEMES)


def test_the_config_knows_the_watch_screens_bindings_by_id():
    bindings = [b for b in WatchScreen.BINDINGS if isinstance(b, Binding)]
    assert {b.id: b.key for b in bindings} == KEYS


def test_the_keys_textual_keeps_are_the_ones_the_config_refuses():
    kept = {App.COMMAND_PALETTE_BINDING}
    for binding in [*App.BINDINGS, *Screen.BINDINGS]:
        assert isinstance(binding, Binding)
        kept.update(key for key in binding.key.split(",") if not key.startswith("super+"))
    assert kept == set(TEXTUAL_KEYS)
