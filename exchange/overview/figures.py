"""Each figure of the national overview as one table (header + rows) plus the chart drawn from those same rows,
so the page table, the chart and the CSV download can never disagree."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup

from exchange.i18n import localized
from exchange.maps.cache import for_visitors
from exchange.overview import charts, queries
from exchange.palette import palette
from exchange.reference.models import Theme
from exchange.reference.naming import action_line_label


@dataclass
class Link:
    text: str
    href: str

    def __str__(self) -> str:
        return self.text


@dataclass
class Figure:
    key: str  # CSV name: /overzicht/<key>.csv
    title: str
    description: str
    header: list[str]
    rows: list[list]
    chart: Markup = field(default_factory=Markup)
    numeric_from: int = 1  # columns from this index on are numbers (aligned right)
    empty_text: str = ""
    params: dict[str, str] = field(default_factory=dict)
    legend: list[charts.Segment] = field(default_factory=list)
    # The CSV may be "long" where the page table is compact (quarters: one row per quarter, not per year).
    csv_header: list[str] | None = None
    csv_data: list[list] | None = None


def per_quarter(user, theme: Theme | None) -> Figure:
    counts = queries.published_per_quarter(user, theme.id if theme else None)
    scope = localized(theme, "name") if theme else _("alle thema's")
    title = _("Gepubliceerde praktijkvoorbeelden per kwartaal (%(scope)s)", scope=scope)
    description = _(
        "Aantal praktijkvoorbeelden per kwartaal waarin ze voor het eerst zijn gepubliceerd, %(scope)s. "
        "De tabel onder de grafiek geeft dezelfde cijfers.",
        scope=scope,
    )
    by_year: dict[int, list] = {}
    for q, n in counts:
        by_year.setdefault(q.year, [""] * 4)[q.quarter - 1] = n
    rows = [[year, *cells, sum(c for c in cells if c != "")] for year, cells in by_year.items()]
    chart = charts.column_chart(
        [(_("K%(n)s", n=q.quarter), str(q.year), n) for q, n in counts],
        title=title,
        description=description,
        x_label=_("Kwartaal van publicatie"),
        y_label=_("Aantal"),
    )
    total = sum(n for _q, n in counts)
    return Figure(
        "per-kwartaal",
        title,
        description,
        [_("Jaar"), *(_("K%(n)s", n=i) for i in range(1, 5)), _("Totaal")],
        rows,
        chart,
        empty_text="" if total else _("In deze periode is nog niets gepubliceerd."),
        params={"thema": theme.slug} if theme else {},
        csv_header=["kwartaal", "jaar", "kwartaalnummer", "gepubliceerd"],
        csv_data=[[q.label, q.year, q.quarter, n] for q, n in counts],
    )


def phases_per_theme(user) -> Figure:
    phases, themes = queries.phases(), queries.themes()
    table = queries.phases_per_theme(user)
    fills = palette().sequential(len(phases))
    segments = [
        charts.Segment(str(p.position), f"{p.position}. {localized(p, 'name')}", fills[i])
        for i, p in enumerate(phases)
    ]
    rows = []
    for theme in themes:
        counts = [table.get(theme.id, {}).get(p.id, 0) for p in phases]
        rows.append(
            [
                Link(localized(theme, "name"), url_for("reference.theme", slug=theme.slug)),
                *counts,
                sum(counts),
            ]
        )
    title = _("Praktijkvoorbeelden per thema en fase van de ontwikkelcirkel")
    description = _(
        "Per thema het aantal lopende praktijkvoorbeelden (niet gearchiveerd) in elke fase van de ontwikkelcirkel. "
        "Het cijfer in een balkdeel is het nummer van de fase. Een praktijkvoorbeeld met meer thema's telt bij elk thema."
    )
    chart = charts.stacked_bar_chart(
        [(str(r[0]), r[1:-1]) for r in rows],
        segments,
        title=title,
        description=description,
        value_label=_("Aantal praktijkvoorbeelden"),
    )
    header = [_("Thema")] + [s.label for s in segments] + [_("Totaal")]
    any_practice = any(r[-1] for r in rows)
    return Figure(
        "fasen",
        title,
        description,
        header,
        rows,
        chart,
        legend=segments,
        empty_text="" if any_practice else _("Nog geen praktijkvoorbeelden."),
    )


def results_per_line(user) -> Figure:
    lines = queries.action_lines()
    counts = queries.results_per_action_line(user)
    rows = [
        [
            Link(action_line_label(x), url_for("reference.action_line", number=x.number)),
            counts.get(x.id, 0),
        ]
        for x in lines
    ]
    title = _("Resultaten per actielijn")
    description = _(
        "Aantal gemeten resultaten bij praktijkvoorbeelden, per actielijn van het praktijkvoorbeeld. Een "
        "praktijkvoorbeeld met meer actielijnen telt bij elke actielijn."
    )
    chart = charts.bar_chart(
        [(str(r[0]), r[1]) for r in rows],
        title=title,
        description=description,
        value_label=_("Aantal resultaten"),
    )
    return Figure(
        "resultaten",
        title,
        description,
        [_("Actielijn"), _("Resultaten")],
        rows,
        chart,
        empty_text="" if any(r[1] for r in rows) else _("Nog geen resultaten gedeeld."),
    )


def silent_regions() -> Figure:
    regions = queries.silent_regions()
    rows = [
        [Link(r.display_name, url_for("reference.region", slug=r.slug)), r.code, r.province] for r in regions
    ]
    return Figure(
        "stille-regios",
        _("Regio's die nog niets hebben gedeeld"),
        _("Jeugdzorgregio's zonder gepubliceerd praktijkvoorbeeld."),
        [_("Regio"), _("Code"), _("Provincie")],
        rows,
        numeric_from=99,
        empty_text=_("Elke regio heeft iets gedeeld."),
    )


def active_themes(user) -> Figure:
    ranked = queries.theme_activity(user)
    rows = [[Link(localized(t, "name"), url_for("reference.theme", slug=t.slug)), n] for t, n in ranked]
    title = _("Thema's met de meeste activiteit")
    description = _(
        "De tien thema's met de meeste gepubliceerde praktijkvoorbeelden plus concepten die in de afgelopen 90 "
        "dagen zijn bijgewerkt (concepten alleen voor wie ze mag zien)."
    )
    chart = charts.bar_chart(
        [(str(r[0]), r[1]) for r in rows],
        title=title,
        description=description,
        value_label=_("Aantal praktijkvoorbeelden"),
    )
    return Figure(
        "themas",
        title,
        description,
        [_("Thema"), _("Praktijkvoorbeelden")],
        rows,
        chart,
        empty_text="" if rows else _("Nog geen activiteit."),
    )


def csv_table(figure: Figure) -> tuple[list[str], list[list]]:
    """Header and rows for the CSV download: the page table with links as plain text, unless the figure has its own."""
    if figure.csv_header is not None:
        return figure.csv_header, figure.csv_data or []
    return figure.header, [
        [str(cell) if isinstance(cell, Link) else cell for cell in row] for row in figure.rows
    ]


def overview(user, theme: Theme | None) -> dict[str, Figure]:
    """All figures of /overzicht; shared between visitors until the data changes (see exchange.maps.cache),
    so for them the page costs one cheap query instead of five grouped ones over every practice."""

    def build() -> dict[str, Figure]:
        return {
            "quarter": per_quarter(user, theme),
            "phases": phases_per_theme(user),
            "results": results_per_line(user),
            "silent": silent_regions(),
            "active": active_themes(user),
        }

    return for_visitors(user, ("overview", theme.id if theme else None), build)
