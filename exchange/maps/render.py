"""Drawing a map: the cached region paths coloured per request, as SVG for the page or as a file, and as CSV.

No inline styles anywhere (the CSP has style-src 'self'): colours are SVG presentation attributes, so a
downloaded file looks the same without our CSS, and static/css/maps.css only adds focus and hover states.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from flask_babel import gettext as _
from markupsafe import Markup, escape

from exchange.charts import wrap
from exchange.maps.data import MapClass, MapData, RegionValue
from exchange.maps.geometry import Geometry, geometry
from exchange.palette import SVG_FONT, palette

CREDIT = "Bron: CBS/PDOK"
CHECK = "✓"


def _attr(value) -> str:
    return str(escape(str(value)))


def pattern_defs(prefix: str, size: float = 10) -> dict[str, str]:
    """The two patterns that stand for "none" (hatching) and "unknown" (dots), never a colour alone."""
    s = f"{size:g}"
    p = palette()
    return {
        "hatch": (
            f'<pattern id="{prefix}-hatch" patternUnits="userSpaceOnUse" width="{s}" height="{s}" '
            f'patternTransform="rotate(45)"><rect width="{s}" height="{s}" fill="{p.background}"/>'
            f'<line x1="0" y1="0" x2="0" y2="{s}" stroke="{p.map_hatch}" stroke-width="{size * 0.18:g}"/></pattern>'
        ),
        "dots": (
            f'<pattern id="{prefix}-dots" patternUnits="userSpaceOnUse" width="{s}" height="{s}">'
            f'<rect width="{s}" height="{s}" fill="{p.background}"/>'
            f'<circle cx="{size / 2:g}" cy="{size / 2:g}" r="{size * 0.2:g}" fill="{p.map_dots}"/></pattern>'
        ),
    }


def fill_of(cls: MapClass, prefix: str) -> str:
    return f"url(#{prefix}-{cls.pattern})" if cls.pattern else cls.fill


def accessible_name(region: RegionValue) -> str:
    return f"{region.name}: {region.text}" + (f" ({region.note})" if region.note else "")


def split_regions(data: MapData, geo: Geometry | None = None) -> tuple[list[RegionValue], list[RegionValue]]:
    """Regions with a shape on the map, and regions in the database without one (an administrator added them)."""
    shapes = (geo or geometry()).shapes
    on_map = [r for r in data.regions if r.code in shapes]
    off_map = [r for r in data.regions if r.code not in shapes]
    return on_map, off_map


def render_svg(
    data: MapData, region_url: Callable[[str], str], *, standalone: bool = False, heading_id: str = ""
) -> Markup:
    """The map as SVG. On a page it is a group of links labelled by the section heading; `standalone` adds a
    title, legend, caption and credit so the downloaded file explains itself."""
    geo = geometry()
    p = palette()
    prefix = f"kaart-{data.name}"
    classes = {c.key: c for c in data.classes}
    title_lines = wrap(data.title, 52) if standalone else []
    caption_lines = wrap(" ".join(filter(None, [data.description, data.footnote])), 95) if standalone else []
    top = (30 + 42 * len(title_lines)) if standalone else 0
    bottom = (50 + 30 * len(data.classes) + 20 + 26 * len(caption_lines) + 20) if standalone else 0
    width, height = geo.width, geo.height + top + bottom
    used = {c.pattern for c in data.classes if c.pattern}
    patterns = pattern_defs(prefix)

    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="map" viewBox="0 0 {width} {height}" '
            f'preserveAspectRatio="xMidYMid meet" font-family="{_attr(SVG_FONT)}"'
        )
    ]
    if standalone:
        parts.append(f' width="{width}" height="{height}" aria-labelledby="{prefix}-title {prefix}-desc">')
        parts.append(
            f'<title id="{prefix}-title">{escape(data.title)}</title><desc id="{prefix}-desc">{escape(data.description)}</desc>'
        )
        parts.append(f'<rect width="{width}" height="{height}" fill="{p.background}"/>')
    else:
        labelled = f' aria-labelledby="{heading_id}"' if heading_id else ""
        parts.append(f' role="group"{labelled}>')
    if used:
        parts.append("<defs>" + "".join(patterns[p] for p in sorted(used)) + "</defs>")

    on_map, _off = split_regions(data, geo)
    known = {r.code for r in data.regions}
    parts.append(f'<g transform="translate(0 {top})">' if top else "<g>")
    absent = [s for code, s in geo.shapes.items() if code not in known]
    if absent:
        # On the map but not in the database (a region removed by an administrator): drawn, not a link.
        parts.append(
            f'<g class="map__absent" aria-hidden="true" fill="{p.map_absent}" stroke="{p.map_border}" stroke-width="1">'
        )
        parts.extend(
            f'<path d="{s.path}" fill-rule="evenodd" vector-effect="non-scaling-stroke"/>' for s in absent
        )
        parts.append("</g>")
    parts.append(f'<g class="map__regions" stroke="{p.map_border}" stroke-width="1" stroke-linejoin="round">')
    # A region's <title> is its link's accessible name and its tooltip (an aria-label as well would make
    # Chromium read the same text twice, as name and as description).
    for region in on_map:
        shape = geo.shapes[region.code]
        name = _attr(accessible_name(region))
        cls = classes[region.class_key]
        parts.append(
            f'<a class="map__link" href="{_attr(region_url(region.slug))}"><title>{name}</title>'
            f'<path class="map__region map__region--{_attr(cls.key)}" d="{shape.path}" fill="{fill_of(cls, prefix)}" '
            f'fill-rule="evenodd" vector-effect="non-scaling-stroke"/></a>'
        )
    parts.append("</g>")
    labels = [(geo.shapes[r.code].label_point, r.label) for r in on_map if r.label]
    if labels:
        parts.append(
            f'<g class="map__labels" aria-hidden="true" pointer-events="none" font-size="24" font-weight="700" '
            f'text-anchor="middle" fill="{p.ink}" stroke="{p.background}" stroke-width="5" stroke-linejoin="round" paint-order="stroke">'
        )
        for (x, y), label in labels:
            if label == CHECK:
                # Drawn, not typed: a tick glyph depends on the reader's fonts (and looked broken in some).
                parts.append(
                    f'<g transform="translate({x:g} {y:g})"><circle r="15" fill="{p.background}" stroke="{p.ink}" stroke-width="2"/>'
                    f'<path d="M-7 0l5 6l9-12" fill="none" stroke="{p.ink}" stroke-width="4" stroke-linecap="round" '
                    f'stroke-linejoin="round" paint-order="normal"/></g>'
                )
            else:
                parts.append(f'<text x="{x:g}" y="{y + 8:g}">{escape(label)}</text>')
        parts.append("</g>")
    credit_attrs = "" if standalone else ' aria-hidden="true"'
    parts.append(
        f'<text class="map__credit" x="{geo.width - 12}" y="{geo.height - 12}" text-anchor="end" font-size="24" '
        f'fill="{p.ink}"{credit_attrs}>{CREDIT}</text>'
    )
    parts.append("</g>")
    if standalone:
        parts.append(_standalone_frame(data, prefix, title_lines, caption_lines, geo.height + top))
    parts.append("</svg>")
    return Markup("".join(parts))


def _standalone_frame(
    data: MapData, prefix: str, title_lines: list[str], caption_lines: list[str], legend_top: int
) -> str:
    """Title above, legend and caption below: the downloaded SVG carries its own explanation."""
    p = palette()
    parts = [
        f'<text x="20" y="{52 + 42 * i}" font-size="34" font-weight="700" fill="{p.ink}">{escape(line)}</text>'
        for i, line in enumerate(title_lines)
    ]
    y = legend_top + 40
    parts.append(
        f'<text x="20" y="{y}" font-size="24" font-weight="700" fill="{p.ink}">{escape(data.legend_title)}</text>'
    )
    for cls in data.classes:
        y += 30
        parts.append(
            f'<rect x="20" y="{y - 20}" width="36" height="24" fill="{fill_of(cls, prefix)}" stroke="{p.map_border}" stroke-width="1"/>'
            f'<text x="68" y="{y}" font-size="22" fill="{p.ink}">{escape(cls.label)} ({cls.count})</text>'
        )
    y += 20
    for line in caption_lines:
        y += 26
        parts.append(f'<text x="20" y="{y}" font-size="19" fill="{p.ink}">{escape(line)}</text>')
    return "".join(parts)


def legend_swatch(cls: MapClass, prefix: str) -> Markup:
    """A small SVG key for the HTML legend, with its own pattern (ids suffixed so they never clash)."""
    key_prefix = f"{prefix}-key-{cls.key}"
    border = palette().map_border
    defs = f"<defs>{pattern_defs(key_prefix, 8)[cls.pattern]}</defs>" if cls.pattern else ""
    return Markup(
        f'<svg class="map-legend__swatch" viewBox="0 0 32 20" width="32" height="20" aria-hidden="true" focusable="false">'
        f'{defs}<rect x="0.5" y="0.5" width="31" height="19" fill="{fill_of(cls, key_prefix)}" stroke="{border}" stroke-width="1"/></svg>'
    )


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """CSV cells that a spreadsheet would run as a formula get a leading apostrophe."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def write_csv(header: list[str], rows) -> str:
    """UTF-8 CSV with a byte-order mark (so spreadsheets read 'Fryslân' right), comma separated, CRLF lines."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def map_csv(data: MapData) -> str:
    on_map, _off = split_regions(data)
    shown = {r.code for r in on_map}
    labels = {c.key: c.label for c in data.classes}
    header = ["code", "regio", "waarde", "omschrijving", "toelichting", "klasse", "op_kaart"]
    rows = (
        [
            r.code,
            r.name,
            r.value,
            r.text,
            r.note,
            labels[r.class_key],
            _("ja") if r.code in shown else _("nee"),
        ]
        for r in data.regions
    )
    return write_csv(header, rows)
