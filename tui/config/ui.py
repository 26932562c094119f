"""`[ui]`: what the screen shows and allows, checked here because the screen starts too late.

The theme and the keys are checked without Textual (the config runs without a screen), against
tables of Textual's theme names and the watch screen's bindings; tests/tui keeps those tables
equal to what the app really has.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tui.config.errors import did_you_mean

THEMES = (
    "ansi-dark",
    "ansi-light",
    "atom-one-dark",
    "atom-one-light",
    "catppuccin-frappe",
    "catppuccin-latte",
    "catppuccin-macchiato",
    "catppuccin-mocha",
    "dracula",
    "flexoki",
    "gruvbox",
    "monokai",
    "nord",
    "rose-pine",
    "rose-pine-dawn",
    "rose-pine-moon",
    "solarized-dark",
    "solarized-light",
    "textual-dark",
    "textual-light",
    "tokyo-night",
)
"""Textual's built-in themes, the only ones the app has."""

KEYS = {
    "promote": "p",
    "promote-full": "P",
    "abort": "a",
    "pause": "s",
    "resume": "c",
    "retry": "r",
    "help": "question_mark",
    "quit": "q",
}
"""The watch screen's binding ids and their default keys; `[ui] keys` remaps them by id."""

TEXTUAL_KEYS = {
    "ctrl+q": "quitting",
    "ctrl+c": "copying",
    "ctrl+p": "the command palette",
    "tab": "moving focus",
    "shift+tab": "moving focus",
}
"""Keys Textual keeps for itself on every screen; a remapped action there would never run."""


class UiSettings(BaseModel):
    """`[ui]`: the same for every rollout watched."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    read_only: bool = Field(False, description="Hide promote and abort (demos over SSH).")
    window: timedelta = Field(
        timedelta(minutes=15), gt=timedelta(0), description="How much history the graphs show."
    )
    theme: str | None = Field(None, description="A Textual theme name; default: the app's own.")
    bell: bool = Field(
        True,
        description="Ring the bell, and notify the desktop where the terminal can, when a gate "
        "fails, a rollout waits for you, completes or aborts.",
    )
    keys: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Remapped keys by binding id: promote, promote-full, abort, pause, resume, retry, "
            "help, quit."
        ),
    )

    @field_validator("theme")
    @classmethod
    def _known_theme(cls, theme: str | None) -> str | None:
        if theme is not None and theme not in THEMES:
            raise ValueError(f"no theme {theme!r}; {did_you_mean(theme, THEMES)}")
        return theme

    @field_validator("keys")
    @classmethod
    def _one_action_per_key(cls, keys: dict[str, str]) -> dict[str, str]:
        for binding, key in keys.items():
            if binding not in KEYS:
                raise ValueError(f"no binding {binding!r}; {did_you_mean(binding, KEYS)}")
            if not key.strip() or any(part != part.strip() or not part for part in key.split(",")):
                raise ValueError(f'{binding} = {key!r} is no key; write e.g. "p" or "ctrl+p,p"')
        taken: dict[str, str] = {}
        for binding, key in (KEYS | keys).items():
            for part in key.split(","):
                if part in TEXTUAL_KEYS:
                    raise ValueError(
                        f"{binding} = {part!r}: Textual keeps {part} for {TEXTUAL_KEYS[part]}"
                    )
                if part in taken:
                    first, second = sorted((taken[part], binding))
                    raise ValueError(
                        f"{first} and {second} are both on {part!r}; give one another key"
                    )
                taken[part] = binding
        return keys
