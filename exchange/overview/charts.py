"""Charts for the national overview, in the manner of exchange.charts (whose chart ids, number format and word wrap
they share): server-rendered SVG with a title, a description, axis labels and value labels, colours as presentation
attributes (the CSP forbids inline styles), and always a table with the same numbers in the template."""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup, escape

from exchange.charts import format_number, new_chart_id, wrap
from exchange.palette import SVG_FONT, palette


@dataclass
class Segment:
    key: str
    label: str
    fill: str

    def swatch(self) -> Markup:
        """The legend key: the segment's fill with its key on it, as in the chart."""
        p = palette()
        return Markup(
            '<svg class="chart-legend__swatch" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" '
            f'focusable="false"><rect x="0.5" y="0.5" width="23" height="23" fill="{escape(self.fill)}" '
            f'stroke="{p.ink}"/><text x="12" y="17" text-anchor="middle" font-size="14" font-weight="700" '
            f'fill="{p.ink}" stroke="{p.background}" stroke-width="3" paint-order="stroke">{escape(self.key)}</text>'
            "</svg>"
        )


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Whole-number ticks from 0 to at least `top` with a 1/2/5 step."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(1, step)
    return [i * step for i in range(math.ceil(top / step) + 1)]


def _open(
    chart_id: str, width: float, height: float, title: str, description: str, extra_class: str = ""
) -> list[str]:
    return [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart data-chart{extra_class}" viewBox="0 0 {width:g} {height:g}" '
            f'role="img" aria-labelledby="{chart_id}-t {chart_id}-d" preserveAspectRatio="xMidYMid meet" '
            f'font-family="{escape(SVG_FONT)}" font-size="14" fill="{palette().ink}">'
        ),
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
    ]


def column_chart(
    columns: list[tuple[str, str, float]],
    *,
    title: str,
    description: str,
    x_label: str,
    y_label: str,
    width: int = 360,
    height: int = 240,
) -> Markup:
    """Vertical bars over time. `columns` are (short label, group label, value): the short label goes under
    each bar (K1), the group label (the year) under the first bar of each group."""
    if not columns:
        return Markup("")
    chart_id = new_chart_id()
    left, right, top, bottom = 46, 8, 18, 64
    inner_w, inner_h = width - left - right, height - top - bottom
    ticks = nice_ticks(max(v for _, _, v in columns))
    high = ticks[-1]
    slot = inner_w / len(columns)
    bar_w = max(2.0, slot * 0.7)

    def y(v: float) -> float:
        return top + inner_h - v / high * inner_h

    p = palette()
    parts = _open(chart_id, width, height, title, description)
    for t in ticks:
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="{p.grid}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y(t) + 4:.1f}" text-anchor="end" fill="{p.subtle}">{format_number(t)}</text>'
        )
    previous_group = None
    for i, (label, group, value) in enumerate(columns):
        x = left + i * slot + (slot - bar_w) / 2
        cx = left + i * slot + slot / 2
        if value:
            parts.append(
                f'<rect class="data-chart__bar" x="{x:.1f}" y="{y(value):.1f}" width="{bar_w:.1f}" '
                f'height="{y(0) - y(value):.1f}" fill="{p.bar}"><title>{escape(group)} {escape(label)}: {format_number(value)}</title></rect>'
            )
            if len(format_number(value)) * 7 <= slot + 2:
                parts.append(
                    f'<text x="{cx:.1f}" y="{y(value) - 4:.1f}" text-anchor="middle" font-size="13">{format_number(value)}</text>'
                )
        if slot >= 22:
            parts.append(
                f'<text x="{cx:.1f}" y="{top + inner_h + 16}" text-anchor="middle" font-size="13" fill="{p.subtle}">{escape(label)}</text>'
            )
        if group != previous_group:
            # Group ticks (years) always; group names only where four slots leave room for them.
            parts.append(
                f'<line x1="{left + i * slot:.1f}" x2="{left + i * slot:.1f}" y1="{top + inner_h}" y2="{top + inner_h + 36}" stroke="{p.grid}"/>'
            )
            if slot * 4 >= 40:
                parts.append(
                    f'<text x="{left + i * slot + 3:.1f}" y="{top + inner_h + 33}" font-size="13" '
                    f'font-weight="600">{escape(group)}</text>'
                )
            previous_group = group
    parts.append(
        f'<line x1="{left}" x2="{width - right}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="{p.ink}" stroke-width="1"/>'
    )
    parts.append(
        f'<text x="{left + inner_w / 2:.1f}" y="{height - 6}" text-anchor="middle" font-weight="600">{escape(x_label)}</text>'
    )
    parts.append(
        f'<text transform="translate(13 {top + inner_h / 2:.1f}) rotate(-90)" text-anchor="middle" font-weight="600">{escape(y_label)}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def _value_axis(
    parts: list[str], ticks, x, y_top: float, y_axis: float, label: str, width: float, left: float
) -> None:
    p = palette()
    for t in ticks:
        parts.append(
            f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{y_top}" y2="{y_axis}" stroke="{p.grid}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{x(t):.1f}" y="{y_axis + 16}" text-anchor="middle" font-size="13" fill="{p.subtle}">{format_number(t)}</text>'
        )
    parts.append(
        f'<line x1="{left}" x2="{width}" y1="{y_axis}" y2="{y_axis}" stroke="{p.ink}" stroke-width="1"/>'
    )
    parts.append(
        f'<text x="{left + (width - left) / 2:.1f}" y="{y_axis + 36}" text-anchor="middle" font-weight="600">{escape(label)}</text>'
    )


def bar_chart(
    bars: list[tuple[str, float]],
    *,
    title: str,
    description: str,
    value_label: str,
    width: int = 360,
) -> Markup:
    """Horizontal bars with their label above each bar (long Dutch names wrap instead of being cut off), a value
    at the end of each bar and a value axis with its label."""
    if not bars:
        return Markup("")
    chart_id = new_chart_id()
    left, right, bar_h, chars = 4, 36, 16, 44
    inner = width - left - right
    ticks = nice_ticks(max(v for _, v in bars))
    high = ticks[-1]

    def x(v: float) -> float:
        return left + v / high * inner

    rows, y = [], 8.0
    for label, value in bars:
        lines = wrap(label, chars)
        rows.append((lines, value, y))
        y += 17 * len(lines) + bar_h + 12
    axis_y = y
    p = palette()
    parts = _open(chart_id, width, axis_y + 44, title, description)
    _value_axis(parts, ticks, x, 4, axis_y, value_label, width - right, left)
    for lines, value, y0 in rows:
        for i, line in enumerate(lines):
            parts.append(f'<text x="{left}" y="{y0 + 13 + 17 * i:.1f}">{escape(line)}</text>')
        by = y0 + 17 * len(lines) + 3
        w = x(value) - left
        if value:
            parts.append(
                f'<rect class="data-chart__bar" x="{left}" y="{by:.1f}" width="{max(w, 2):.1f}" height="{bar_h}" fill="{p.bar}"/>'
            )
        parts.append(
            f'<text x="{left + max(w, 0) + 5:.1f}" y="{by + 12.5:.1f}" font-weight="600">{format_number(value)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_bar_chart(
    rows: list[tuple[str, list[float]]],
    segments: list[Segment],
    *,
    title: str,
    description: str,
    value_label: str,
    width: int = 360,
) -> Markup:
    """One horizontal bar per row, split into segments; each wide enough segment carries its key (the phase
    number), so the colours are never the only way to tell the segments apart."""
    if not rows:
        return Markup("")
    chart_id = new_chart_id()
    left, right, bar_h, chars = 4, 36, 18, 44
    inner = width - left - right
    ticks = nice_ticks(max((sum(values) for _, values in rows), default=0))
    high = ticks[-1]

    def x(v: float) -> float:
        return left + v / high * inner

    laid_out, y = [], 8.0
    for label, values in rows:
        lines = wrap(label, chars)
        laid_out.append((lines, values, y))
        y += 17 * len(lines) + bar_h + 12
    axis_y = y
    p = palette()
    parts = _open(chart_id, width, axis_y + 44, title, description, " data-chart--stacked")
    _value_axis(parts, ticks, x, 4, axis_y, value_label, width - right, left)
    for lines, values, y0 in laid_out:
        for i, line in enumerate(lines):
            parts.append(f'<text x="{left}" y="{y0 + 13 + 17 * i:.1f}">{escape(line)}</text>')
        by = y0 + 17 * len(lines) + 3
        start = 0.0
        for segment, value in zip(segments, values):
            if not value:
                continue
            x0, x1 = x(start), x(start + value)
            parts.append(
                f'<rect x="{x0:.1f}" y="{by:.1f}" width="{x1 - x0:.1f}" height="{bar_h}" fill="{segment.fill}" '
                f'stroke="{p.background}" stroke-width="1"><title>{escape(segment.label)}: {format_number(value)}</title></rect>'
            )
            if x1 - x0 >= 14:
                parts.append(
                    f'<text x="{(x0 + x1) / 2:.1f}" y="{by + 13.5:.1f}" text-anchor="middle" font-size="13" font-weight="700" '
                    f'stroke="{p.background}" stroke-width="3" stroke-linejoin="round" paint-order="stroke">{escape(segment.key)}</text>'
                )
            start += value
        total = sum(values)
        parts.append(
            f'<text x="{x(total) + 5:.1f}" y="{by + 13.5:.1f}" font-weight="600">{format_number(total)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
