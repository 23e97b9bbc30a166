"""What each map shows: one grouped query per map, turned into a value, a class and a text per region.

Builders take the acting user explicitly (never `current_user`), so views, tests and the CSV/SVG downloads
share them. Visibility of practices is part of the SQL (`visible_clause`), exactly as on the list pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, or_, select

from exchange.accounts.models import CoachingAssignment
from exchange.database import utcnow
from exchange.extensions import db
from exchange.i18n import format_eur, localized
from exchange.palette import palette
from exchange.practices import page_counts
from exchange.practices.models import Practice, Status
from exchange.practices.queries import visible_clause
from exchange.reference.models import (
    ActionLine,
    CyclePhase,
    Fund,
    FundAllocation,
    Region,
    Theme,
    TransformationPlan,
    plan_action_line,
)
from exchange.reference.notes import note_text

ACTIVE_DAYS = 90

# Fills come from the sequential scale of the palette (static/css/theme.css), whose every step keeps 3:1
# against the region border; "geen"/"onbekend" are patterns on the background colour, never a colour alone.


@dataclass
class MapClass:
    key: str
    label: str
    fill: str = field(default_factory=lambda: palette().map_pale)
    pattern: str | None = None  # "hatch" (none / not) or "dots" (unknown)
    count: int = 0


@dataclass
class RegionValue:
    code: str
    slug: str
    name: str
    value: float | int | str | None
    text: str  # the value in words: table cell, accessible name, CSV
    class_key: str
    note: str = ""
    label: str = ""  # short text drawn on the region (a number), never the only carrier of the value


@dataclass
class MapData:
    name: str  # URL name: /kaarten/<name>.svg
    title: str
    description: str
    legend_title: str
    value_header: str
    classes: list[MapClass]
    regions: list[RegionValue]
    params: dict[str, str] = field(default_factory=dict)
    note_header: str = ""
    footnote: str = ""

    def __post_init__(self) -> None:
        by_key = {c.key: c for c in self.classes}
        for region in self.regions:
            by_key[region.class_key].count += 1

    def cls(self, key: str) -> MapClass:
        return next(c for c in self.classes if c.key == key)


def _region_columns():
    return (Region.id, Region.code, Region.slug, Region.display_name)


def _group(stmt):
    return stmt.group_by(*_region_columns()).order_by(Region.display_name, Region.id)


# ---- 1. Home: activity ---------------------------------------------------------------------------------------
ACTIVITY_BOUNDS = ((1, 2), (3, 5), (6, None))


def activity_clause():
    """Published practices, and drafts worked on in the last 90 days (only where the user may see them)."""
    since = utcnow() - timedelta(days=ACTIVE_DAYS)
    return or_(
        Practice.status == Status.PUBLISHED,
        and_(Practice.status == Status.DRAFT, Practice.updated_at >= since),
    )


def _count_class(n: int, bounds) -> str:
    if n == 0:
        return "geen"
    for low, high in bounds:
        if n >= low and (high is None or n <= high):
            return f"{low}-{high}" if high else f"{low}+"
    raise ValueError(n)


def _count_classes(bounds, fills) -> list[MapClass]:
    classes = [MapClass("geen", _("geen"), fill=palette().background, pattern="hatch")]
    for (low, high), fill in zip(bounds, fills):
        key = f"{low}-{high}" if high else f"{low}+"
        label = (f"{low}–{high}" if high != low else str(low)) if high else _("%(n)s of meer", n=low)
        classes.append(MapClass(key, label, fill=fill))
    return classes


def activity_map(user) -> MapData:
    """Regions coloured by activity: published practices plus drafts updated in the last 90 days, visible to `user`."""
    stmt = _group(
        select(*_region_columns(), func.count(Practice.id))
        .select_from(Region)
        .outerjoin(Practice, and_(Practice.region_id == Region.id, visible_clause(user), activity_clause()))
    )
    regions, texts = [], {}
    for _id, code, slug, name, n in db.session.execute(stmt):
        if n not in texts:  # counts repeat: translate each once
            texts[n] = (
                ngettext("%(num)s praktijkvoorbeeld", "%(num)s praktijkvoorbeelden", n)
                if n
                else _("geen praktijkvoorbeelden")
            )
        text = texts[n]
        regions.append(
            RegionValue(
                code, slug, name, n, text, _count_class(n, ACTIVITY_BOUNDS), label=str(n) if n else ""
            )
        )
    return MapData(
        name="activiteit",
        title=_("Activiteit per jeugdzorgregio"),
        description=_(
            "Kaart van de 42 jeugdzorgregio's, gekleurd naar het aantal gepubliceerde praktijkvoorbeelden plus, "
            "voor wie ze mag zien, concepten die in de afgelopen 90 dagen zijn bijgewerkt. Elke regio is een link "
            "naar haar pagina."
        ),
        legend_title=_("Praktijkvoorbeelden"),
        value_header=_("Praktijkvoorbeelden"),
        classes=_count_classes(ACTIVITY_BOUNDS, palette().scale[1::2]),  # steps 2, 4 and 6
        regions=regions,
    )


# ---- 2. Theme: furthest cycle phase ---------------------------------------------------------------------------
def theme_map(user, theme: Theme) -> MapData:
    """Regions coloured by the furthest phase of the cycle their visible practices on `theme` reached."""
    phases = list(db.session.scalars(select(CyclePhase).order_by(CyclePhase.position)))
    # From the theme page's own grouped counts (region, phase, year, status over the theme's visible practices;
    # kept for visitors until a write moves a count): the furthest phase and the number per region, without a
    # statement of its own. Practices without a phase are not on the cycle, so the map leaves them out.
    position = {p.id: p.position for p in phases}
    reached: dict[int, tuple[int, int]] = {}
    for region_id, phase_id, _year, _status, n in page_counts.load(user, theme_id=theme.id).groups:
        at = position.get(phase_id)
        if at is None:
            continue
        furthest, count = reached.get(region_id, (at, 0))
        reached[region_id] = (max(furthest, at), count + n)
    by_position = {p.position: p for p in phases}
    fills = palette().sequential(len(phases))
    classes = [MapClass("geen", _("nog geen praktijkvoorbeeld"), fill=palette().background, pattern="hatch")]
    classes += [
        MapClass(f"fase-{p.position}", f"{p.position}. {localized(p, 'name')}", fill=fills[i])
        for i, p in enumerate(phases)
    ]
    regions = []
    for region_id, code, slug, name in db.session.execute(
        select(*_region_columns()).order_by(Region.display_name, Region.id)
    ):
        furthest, n = reached.get(region_id, (None, 0))
        if not n or furthest not in by_position:
            regions.append(RegionValue(code, slug, name, None, _("nog geen praktijkvoorbeeld"), "geen"))
            continue
        phase = by_position[furthest]
        text = _("verste fase %(phase)s", phase=f"{phase.position}. {localized(phase, 'name')}")
        note = ngettext("%(num)s praktijkvoorbeeld", "%(num)s praktijkvoorbeelden", n)
        regions.append(
            RegionValue(
                code,
                slug,
                name,
                phase.position,
                text,
                f"fase-{phase.position}",
                note=note,
                label=str(phase.position),
            )
        )
    theme_name = localized(theme, "name")
    return MapData(
        name="thema",
        title=_("Verste fase per regio: %(theme)s", theme=theme_name),
        description=_(
            "Kaart van de jeugdzorgregio's, gekleurd naar de verste fase van de ontwikkelcirkel die hun "
            "praktijkvoorbeelden binnen het thema %(theme)s bereikten. Het cijfer op een regio is het nummer van die fase.",
            theme=theme_name,
        ),
        legend_title=_("Verste fase in de ontwikkelcirkel"),
        value_header=_("Verste fase"),
        note_header=_("Praktijkvoorbeelden"),
        classes=classes,
        regions=regions,
        params={"thema": theme.slug},
    )


# ---- 3. Action line: which plans address it --------------------------------------------------------------------
def action_line_map(line: ActionLine) -> MapData:
    """Regions whose transformation plan addresses `line`; plans without recorded action lines are unknown."""
    addresses = exists().where(
        plan_action_line.c.plan_id == TransformationPlan.id, plan_action_line.c.action_line_id == line.id
    )
    recorded = exists().where(plan_action_line.c.plan_id == TransformationPlan.id)
    stmt = (
        select(*_region_columns(), TransformationPlan.id, TransformationPlan.is_demo, addresses, recorded)
        .select_from(Region)
        .outerjoin(TransformationPlan, TransformationPlan.region_id == Region.id)
        .order_by(Region.display_name, Region.id)
    )
    regions, demo = [], False
    for _id, code, slug, name, plan_id, is_demo, yes, any_line in db.session.execute(stmt):
        if plan_id is None or not any_line:
            regions.append(
                RegionValue(code, slug, name, None, _("onbekend: geen actielijnen ingevoerd"), "onbekend")
            )
            continue
        demo = demo or bool(is_demo)
        note = _("demogegevens") if is_demo else ""
        if yes:
            regions.append(
                RegionValue(code, slug, name, 1, _("plan behandelt deze actielijn"), "ja", note=note)
            )
        else:
            regions.append(
                RegionValue(code, slug, name, 0, _("plan behandelt deze actielijn niet"), "nee", note=note)
            )
    return MapData(
        name="actielijn",
        title=_("Regio's waarvan het plan actielijn %(n)s behandelt", n=line.number),
        description=_(
            "Kaart van de jeugdzorgregio's: donker als het transformatieplan actielijn %(n)s (%(short)s) "
            "behandelt, licht als het plan andere actielijnen noemt, gestippeld als niet bekend is welke.",
            n=line.number,
            short=localized(line, "short"),
        ),
        legend_title=_("Transformatieplan"),
        value_header=_("Actielijn %(n)s", n=line.number),
        note_header=_("Toelichting"),
        classes=[
            MapClass("ja", _("behandelt actielijn %(n)s", n=line.number), fill=palette().map_strong),
            MapClass("nee", _("behandelt andere actielijnen"), fill=palette().scale[0]),
            MapClass("onbekend", _("onbekend"), fill=palette().background, pattern="dots"),
        ],
        regions=regions,
        params={"actielijn": str(line.number)},
        footnote=_("De koppelingen tussen plannen en actielijnen zijn demogegevens.") if demo else "",
    )


# ---- 4. Fund: allocation per region -------------------------------------------------------------------------------
FUND_BOUNDS = ((0, 500_000), (500_000, 1_000_000), (1_000_000, 2_000_000), (2_000_000, None))


def _eur_class(amount: float) -> str:
    for i, (low, high) in enumerate(FUND_BOUNDS):
        if amount >= low and (high is None or amount < high):
            return f"eur-{i}"
    raise ValueError(amount)


def _mln(amount: int) -> str:
    return format_decimal(amount / 1_000_000, format="#,##0.#")


def fund_map() -> MapData:
    """Known allocations per region, coloured per year; a total for the whole period is divided by its years.

    A region without a known amount is "onbekend" (patterned), never zero.
    """
    fund = db.session.scalars(select(Fund).order_by(Fund.id)).first()
    years = (fund.last_year - fund.first_year + 1) if fund else 1
    join = and_(FundAllocation.region_id == Region.id, FundAllocation.fund_id == (fund.id if fund else None))
    stmt = (
        select(
            *_region_columns(),
            FundAllocation.basis,
            FundAllocation.amount_eur,
            FundAllocation.approx_label,
            FundAllocation.note,
        )
        .select_from(Region)
        .outerjoin(FundAllocation, join)
        .order_by(Region.display_name, Region.id, FundAllocation.basis)
    )
    rows: dict[int, dict] = {}
    for region_id, code, slug, name, basis, amount, label, note in db.session.execute(stmt):
        entry = rows.setdefault(
            region_id, {"code": code, "slug": slug, "name": name, "annual": None, "total": None}
        )
        if basis and amount is not None:
            entry[basis] = (amount, label or format_eur(amount), note_text(note))
    regions = []
    for entry in rows.values():
        code, slug, name = entry["code"], entry["slug"], entry["name"]
        if entry["annual"]:
            amount, label, note = entry["annual"]
            per_year = amount
            text = _("%(amount)s per jaar", amount=label)
        elif entry["total"]:
            amount, label, note = entry["total"]
            per_year = round(amount / years)
            text = _(
                "%(amount)s voor %(first)s–%(last)s (≈ %(year)s per jaar)",
                amount=label,
                first=fund.first_year,
                last=fund.last_year,
                year=format_eur(per_year),
            )
        else:
            regions.append(RegionValue(code, slug, name, None, _("onbekend"), "onbekend"))
            continue
        regions.append(RegionValue(code, slug, name, per_year, text, _eur_class(per_year), note=note))
    scale = palette().scale
    fills = (scale[1], scale[2], scale[4], palette().map_strong)
    classes = []
    for i, (low, high) in enumerate(FUND_BOUNDS):
        if high is None:
            label = _("%(low)s miljoen of meer", low=f"€ {_mln(low)}")
        elif low == 0:
            label = _("minder dan %(high)s miljoen", high=f"€ {_mln(high)}")
        else:
            label = _("%(low)s–%(high)s miljoen", low=f"€ {_mln(low)}", high=_mln(high))
        classes.append(MapClass(f"eur-{i}", label, fill=fills[i]))
    classes.append(MapClass("onbekend", _("onbekend"), fill=palette().background, pattern="dots"))
    return MapData(
        name="fonds",
        title=_("Bijdrage uit het Transformatiefonds per regio"),
        description=_(
            "Kaart van de jeugdzorgregio's, gekleurd naar de bekende bijdrage per jaar. Regio's waarvan de "
            "bijdrage niet bekend is, zijn gestippeld en heten onbekend; dat is geen nul."
        ),
        legend_title=_("Bijdrage per jaar"),
        value_header=_("Bijdrage"),
        note_header=_("Toelichting"),
        classes=classes,
        regions=regions,
        footnote=_(
            "Kleur: bedrag per jaar. Is alleen een bedrag voor de hele periode bekend, dan is dat gedeeld door "
            "%(n)s jaar; de tabel noemt het bedrag zoals de bron het geeft.",
            n=years,
        ),
    )


# ---- 5. Dashboard: the functionary's regions ------------------------------------------------------------------------
def coaching_map(user) -> MapData:
    """The regions `user` coaches (CoachingAssignment), with the themes of each assignment."""
    stmt = (
        select(*_region_columns(), CoachingAssignment.id, Theme.name, Theme.name_en)
        .select_from(Region)
        .outerjoin(
            CoachingAssignment,
            and_(CoachingAssignment.region_id == Region.id, CoachingAssignment.user_id == user.id),
        )
        .outerjoin(Theme, Theme.id == CoachingAssignment.theme_id)
        .order_by(Region.display_name, Region.id, Theme.position, Theme.name)
    )
    rows: dict[int, dict] = {}
    for region_id, code, slug, name, assignment_id, theme_name, theme_name_en in db.session.execute(stmt):
        entry = rows.setdefault(
            region_id, {"code": code, "slug": slug, "name": name, "themes": [], "all": False}
        )
        if assignment_id is None:
            continue
        if theme_name is None:
            entry["all"] = True
        else:
            entry["themes"].append(localized(_ThemeName(theme_name, theme_name_en), "name"))
    regions = []
    for entry in rows.values():
        coached = entry["all"] or entry["themes"]
        if not coached:
            regions.append(
                RegionValue(entry["code"], entry["slug"], entry["name"], 0, _("niet door u begeleid"), "nee")
            )
            continue
        themes = _("al uw thema's") if entry["all"] else ", ".join(entry["themes"])
        regions.append(
            RegionValue(
                entry["code"],
                entry["slug"],
                entry["name"],
                1,
                _("door u begeleid"),
                "ja",
                note=themes,
                label="✓",
            )
        )
    return MapData(
        name="mijn-regios",
        title=_("Regio's die u begeleidt"),
        description=_(
            "Kaart van de jeugdzorgregio's; de regio's die u begeleidt zijn donker en hebben een vinkje."
        ),
        legend_title=_("Begeleiding"),
        value_header=_("Begeleiding"),
        note_header=_("Thema's"),
        classes=[
            MapClass("ja", _("door u begeleid (✓)"), fill=palette().map_strong),
            MapClass("nee", _("niet door u begeleid"), fill=palette().map_pale),
        ],
        regions=regions,
    )


@dataclass
class _ThemeName:
    name: str
    name_en: str | None
