"""The colours of server-drawn SVG charts and maps, read from our design tokens in static/css/theme.css.

theme.css is the one definition of every colour. SVG needs literal colours as presentation attributes (the
CSP forbids inline styles, and a downloaded map must look right without our CSS), so this module resolves the
`--jk-data-*` role tokens to hex values, once per process and only when a chart or map is first drawn.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, fields
from pathlib import Path

THEME_CSS = Path(__file__).resolve().parent.parent / "static" / "css" / "theme.css"
# A shorter stack than --jk-font-sans: SVG files are also opened outside the browser (downloads).
SVG_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Liberation Sans', sans-serif"

_DECLARATION = re.compile(r"(--[a-z0-9-]+)\s*:\s*([^;{}]+);")
_VAR = re.compile(r"^var\(\s*(--[a-z0-9-]+)\s*\)$")
_HEX = re.compile(r"^#[0-9a-f]{6}$")


@dataclass(frozen=True)
class Palette:
    """Each field is the token `--jk-data-<field, dashed>`; `scale` is `--jk-data-scale-1`, `-2`, ..."""

    background: str  # behind charts and maps, halos around labels, the ground of the map patterns
    ink: str  # text, axes, region labels
    subtle: str  # tick labels
    grid: str  # grid lines
    bar: str  # single-series bars
    map_border: str  # region borders: at least 3:1 against every map fill
    map_hatch: str  # the hatching that means "none"
    map_dots: str  # the dots that mean "unknown"
    map_absent: str  # regions on the map that the database no longer has
    map_pale: str  # "no" and other quiet map classes
    map_strong: str  # "yes" and the top class
    scale: tuple[str, ...]  # sequential fills, light to dark

    def sequential(self, count: int) -> list[str]:
        """`count` fills from the scale; beyond its length the strongest fill repeats."""
        return list(self.scale[:count]) + [self.map_strong] * max(0, count - len(self.scale))


def read_tokens(css: str) -> dict[str, str]:
    """Every custom property declared in `css`, with `var(--x)` references resolved (a later declaration of the
    same name wins, as in CSS). Raises ValueError on a reference to an undeclared or circular token."""
    declared = {name: value.strip() for name, value in _DECLARATION.findall(_strip_comments(css))}

    def resolve(name: str, seen: tuple[str, ...] = ()) -> str:
        if name in seen or name not in declared:
            raise ValueError(f"theme token {name} is undeclared or circular ({' -> '.join(seen)})")
        ref = _VAR.match(declared[name])
        return resolve(ref.group(1), (*seen, name)) if ref else declared[name]

    return {name: resolve(name) for name in declared}


def _strip_comments(css: str) -> str:
    return re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)


def palette_from(tokens: dict[str, str]) -> Palette:
    """The palette from resolved tokens. Raises ValueError when a role is missing or not a #rrggbb colour."""

    def colour(name: str) -> str:
        value = tokens.get(name, "").lower()
        if not _HEX.match(value):
            raise ValueError(f"theme token {name} must be a #rrggbb colour, found {value!r}")
        return value

    scale = []
    while f"--jk-data-scale-{len(scale) + 1}" in tokens:
        scale.append(colour(f"--jk-data-scale-{len(scale) + 1}"))
    if not scale:
        raise ValueError("theme has no --jk-data-scale-1")
    roles = {
        f.name: colour("--jk-data-" + f.name.replace("_", "-")) for f in fields(Palette) if f.name != "scale"
    }
    return Palette(**roles, scale=tuple(scale))


@functools.cache
def palette() -> Palette:
    """The palette of static/css/theme.css (read once per process)."""
    return palette_from(read_tokens(THEME_CSS.read_text(encoding="utf-8")))
