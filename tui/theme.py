"""Theme variables as Rich colours, so role colours follow the app's theme."""

from __future__ import annotations

from textual.app import App
from textual.color import Color


def theme_color(app: App[object], variable: str) -> str:
    """The variable's colour as an opaque hex; translucent colours are blended onto the surface.

    Rich cannot draw alpha, and theme variables such as `foreground-muted` carry it.
    """
    variables = app.theme_variables
    value = variables.get(variable)
    if not value:
        return ""
    color = Color.parse(value)
    if color.a < 1:
        background = Color.parse(variables.get("surface", "#000000"))
        color = background.blend(color.with_alpha(1.0), color.a)
    return color.hex
