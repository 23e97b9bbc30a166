"""SVG charts: accessible names, no inline styles (CSP), escaped labels and round axis ticks."""

from __future__ import annotations

import re

from exchange.charts import Point, _nice_scale, bar_chart, line_chart


def test_line_chart_is_accessible_and_escapes_labels():
    svg = str(
        line_chart(
            [Point("<b>jan</b>", 3), Point("feb", 5)],
            title="Wacht<tijd>",
            description="Twee metingen",
            unit="weken",
            target=2,
        )
    )
    assert 'role="img"' in svg and "aria-labelledby" in svg
    assert "<title" in svg and "Wacht&lt;tijd&gt;" in svg and "&lt;b&gt;jan" in svg
    assert "style=" not in svg
    assert svg.count("<circle") == 2 and "streefwaarde" in svg


def test_single_point_and_empty_series():
    assert "<path" not in str(line_chart([Point("jan", 3)], title="t", description="d"))
    assert str(line_chart([], title="t", description="d")) == ""


def test_axis_uses_round_numbers():
    low, high, step = _nice_scale([18, 16, 13, 11, 9, 8])
    assert (low, high, step) == (0, 20, 5)
    svg = str(line_chart([Point("a", 18), Point("b", 8)], title="t", description="d"))
    ticks = re.findall(r'class="chart__tick" x="50"[^>]*>([^<]+)<', svg)
    assert ticks == ["0", "5", "10", "15", "20"]


def test_bar_chart_has_one_bar_per_value():
    svg = str(bar_chart([("Verkennen", 3), ("Ontwerpen", 0)], title="Per fase", description="d"))
    assert svg.count('class="chart__bar"') == 2 and ">3<" in svg
