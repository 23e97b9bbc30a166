"""The palette of SVG charts and maps: read from the theme tokens, contrast kept, no colour defined twice."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from exchange.palette import THEME_CSS, Palette, palette, palette_from, read_tokens

ROOT = Path(__file__).resolve().parent.parent
# Python and templates that draw SVG: their colours must come from exchange.palette, never a literal.
SVG_SOURCES = [
    ROOT / "exchange" / "charts.py",
    *sorted((ROOT / "exchange" / "overview").glob("*.py")),
    *sorted((ROOT / "exchange" / "maps").glob("*.py")),
    *sorted((ROOT / "templates" / "overview").glob("*.html")),
    *sorted((ROOT / "templates" / "maps").glob("*.html")),
]
HEX_LITERAL = re.compile(r"[\"'(:\s]#(?:[0-9a-fA-F]{3}){1,2}\b")
WHITE = "#ffffff"


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_palette_reads_every_role_from_the_theme_tokens():
    tokens = read_tokens(THEME_CSS.read_text(encoding="utf-8"))
    p = palette()
    assert isinstance(p, Palette)
    assert p.ink == tokens["--jk-data-ink"] == tokens["--jk-grey-700"]
    assert p.bar == tokens["--jk-teal-500"] and p.background == tokens["--jk-white"]
    assert p.scale == tuple(tokens[f"--jk-data-scale-{i}"] for i in range(1, len(p.scale) + 1))
    assert p.map_strong == p.scale[-1]


def test_no_colour_literals_in_the_code_and_templates_that_draw_svg():
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0).strip()}"
        for path in SVG_SOURCES
        for match in HEX_LITERAL.finditer(path.read_text(encoding="utf-8"))
    ]
    assert SVG_SOURCES and found == []


def test_every_jk_token_used_in_our_css_is_declared():
    css = {path.name: path.read_text(encoding="utf-8") for path in (ROOT / "static" / "css").glob("*.css")}
    declared = {token for text in css.values() for token in re.findall(r"(--jk-[a-z0-9-]+)\s*:", text)}
    used = {
        (name, token)
        for name, text in css.items()
        for token in re.findall(r"var\(\s*(--jk-[a-z0-9-]+)", text)
    }
    assert used and {(name, token) for name, token in used if token not in declared} == set()


def test_text_and_bars_keep_4_5_to_1_against_white():
    p = palette()
    for colour in (p.ink, p.subtle, p.bar):
        assert contrast(colour, p.background) >= 4.5, colour
    assert p.background == WHITE


def test_every_fill_keeps_3_to_1_against_the_region_border():
    p = palette()
    for fill in (*p.scale, p.map_pale, p.map_strong, p.map_absent, p.background):
        assert contrast(fill, p.map_border) >= 3, fill
    assert (
        contrast(p.map_border, WHITE) >= 3
        and contrast(p.map_hatch, WHITE) >= 3
        and contrast(p.map_dots, WHITE) >= 3
    )


def test_sequential_repeats_the_strongest_fill_beyond_the_scale():
    p = palette()
    assert p.sequential(2) == list(p.scale[:2])
    assert p.sequential(len(p.scale) + 2) == [*p.scale, p.map_strong, p.map_strong]


def test_tokens_resolve_references_and_the_last_declaration_wins():
    tokens = read_tokens(
        "/* --x: #000000; */ .a { --a: #111111; --b: var(--a); --a: #222222; --c: var( --b ); }"
    )
    assert tokens == {"--a": "#222222", "--b": "#222222", "--c": "#222222"}


@pytest.mark.parametrize(
    ("css", "message"),
    [
        (".a { --a: var(--missing); }", "undeclared or circular"),
        (".a { --a: var(--b); --b: var(--a); }", "undeclared or circular"),
    ],
)
def test_broken_token_references_fail_loudly(css, message):
    with pytest.raises(ValueError, match=message):
        read_tokens(css)


def test_a_missing_or_malformed_role_fails_loudly():
    tokens = read_tokens(THEME_CSS.read_text(encoding="utf-8"))
    with pytest.raises(ValueError, match="--jk-data-grid"):
        palette_from({**tokens, "--jk-data-grid": "grey"})
    without_ink = {k: v for k, v in tokens.items() if k != "--jk-data-ink"}
    with pytest.raises(ValueError, match="--jk-data-ink"):
        palette_from(without_ink)
