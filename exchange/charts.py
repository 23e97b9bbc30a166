"""Server-rendered SVG charts. No inline styles (the CSP forbids them): classes and presentation attributes
only. Every chart is paired with a data table in its template."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from markupsafe import Markup, escape

_ids = itertools.count(1)
X_LABELS = 4  # dates under a line chart's axis: 4 fit side by side in 360 units


def new_chart_id() -> str:
    """A page-unique id for a chart's title and description (aria-labelledby)."""
    return f"chart-{next(_ids)}"


@dataclass
class Point:
    label: str
    value: float
    when: date | None = None


def _nice_scale(values: list[float], ticks: int = 4) -> tuple[float, float, float]:
    """Axis bounds and step on round numbers (1, 2, 2.5 or 5 times a power of ten), from zero when sensible."""
    low, high = min(values), max(values)
    if low > 0 and low < high * 0.5:
        low = 0.0
    if low == high:
        low, high = (0.0, high * 1.2) if high > 0 else (high - 1, high + 1)
    raw = (high - low) / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def format_number(value: float) -> str:
    """Dutch number format for chart labels: 1.234 and 1.234,5."""
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    return f"{value:,.1f}".replace(",", "X").replace(".", ",").replace("X", ".")


def wrap(text: str, chars: int) -> list[str]:
    """Words on lines of at most `chars` characters (a longer word gets a line of its own)."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > chars:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + ([line] if line else [])


def line_chart(
    points: list[Point],
    *,
    title: str,
    description: str,
    unit: str = "",
    baseline: float | Decimal | None = None,
    target: float | Decimal | None = None,
    width: int = 360,
    height: int = 240,
) -> Markup:
    """A line chart of a series over time with optional baseline and target lines.

    Drawn 360 units wide, so a phone's column (343 CSS px at 375) shrinks its 13px text to no less than 12px;
    at most X_LABELS dates under the axis, so they never overlap."""
    if not points:
        return Markup("")
    chart_id = new_chart_id()
    left, right, top, bottom = 56, 40, 16, 40
    inner_w, inner_h = width - left - right, height - top - bottom
    values = [float(p.value) for p in points]
    refs = [float(v) for v in (baseline, target) if v is not None]
    low, high, step = _nice_scale(values + refs)

    def x(i: int) -> float:
        return left + (inner_w / 2 if len(points) == 1 else i * inner_w / (len(points) - 1))

    def y(v: float) -> float:
        return top + inner_h - (v - low) / (high - low) * inner_h

    parts = [
        (
            f'<svg class="chart chart--line" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
            f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">'
        ),
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
    ]
    for i in range(round((high - low) / step) + 1):
        v = low + step * i
        parts.append(
            f'<line class="chart__grid" x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}"/>'
        )
        parts.append(
            f'<text class="chart__tick" x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{format_number(v)}</text>'
        )
    parts.append(
        f'<line class="chart__axis" x1="{left}" x2="{width - right}" y1="{top + inner_h}" y2="{top + inner_h}"/>'
    )
    for ref, cls, label in (
        (baseline, "chart__baseline", "nulmeting"),
        (target, "chart__target", "streefwaarde"),
    ):
        if ref is not None:
            yy = y(float(ref))
            parts.append(
                f'<line class="{cls}" x1="{left}" x2="{width - right}" y1="{yy:.1f}" y2="{yy:.1f}"/>'
            )
            parts.append(
                f'<text class="chart__ref-label" x="{width - right}" y="{yy - 4:.1f}" text-anchor="end">{label} {format_number(float(ref))}</text>'
            )
    if len(points) > 1:
        path = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(f'<path class="chart__line" d="{path}" fill="none"/>')
    shown = min(len(points), X_LABELS)
    labelled = {round(k * (len(points) - 1) / (shown - 1)) for k in range(shown)} if shown > 1 else {0}
    for i, (p, v) in enumerate(zip(points, values)):
        parts.append(
            f'<circle class="chart__point" cx="{x(i):.1f}" cy="{y(v):.1f}" r="4"><title>{escape(p.label)}: {format_number(v)} {escape(unit)}</title></circle>'
        )
        if i in labelled:
            anchor = "end" if i == len(points) - 1 and len(points) > 1 else "middle"
            parts.append(
                f'<text class="chart__tick" x="{x(i):.1f}" y="{height - bottom + 18}" text-anchor="{anchor}">{escape(p.label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(
    bars: list[tuple[str, float]],
    *,
    title: str,
    description: str,
    width: int = 560,
    bar_height: int = 22,
) -> Markup:
    """Horizontal bars with value labels (labels on the left, so long Dutch names stay readable)."""
    if not bars:
        return Markup("")
    chart_id = new_chart_id()
    label_w, right, gap = 200, 48, 8
    height = len(bars) * (bar_height + gap) + gap
    top_value = max((v for _, v in bars), default=0) or 1
    inner = width - label_w - right
    parts = [
        (
            f'<svg class="chart chart--bars" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
            f'xmlns="http://www.w3.org/2000/svg">'
        ),
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
    ]
    for i, (label, value) in enumerate(bars):
        yy = gap + i * (bar_height + gap)
        w = max(1.0, inner * float(value) / top_value) if value else 0
        short = label if len(label) <= 30 else label[:29] + "…"
        parts.append(
            f'<text class="chart__label" x="{label_w - 8}" y="{yy + bar_height * 0.7:.1f}" text-anchor="end">{escape(short)}</text>'
        )
        parts.append(
            f'<rect class="chart__bar" x="{label_w}" y="{yy}" width="{w:.1f}" height="{bar_height}"/>'
        )
        parts.append(
            f'<text class="chart__value" x="{label_w + w + 6:.1f}" y="{yy + bar_height * 0.7:.1f}">{format_number(float(value))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
