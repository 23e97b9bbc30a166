"""What a digest contains: the public content that is new in a period, and one subscriber's sections of it.

"New in a period" means, for published practices only (never drafts, archived practices or feedback):
- newly published: `published_at` falls in the period, or the practice became public again in the period
  (its last revision before the period was not published, its latest revision in the period is);
- substantially updated: public before the period, and its title, summary, body or phase at the end of the
  period differs from the last revision before it (small edits and edits undone within the period don't count);
- a new result: a result posted (`created_at`) in the period on a practice that is published now;
- a corrected result: a result posted before the period and last corrected (`updated_at`) in it (a result
  posted and corrected in the same period is just new; one corrected again later moves to that later period).

Every event has one timestamp, and periods tile the timeline, so each event belongs to exactly one digest
of each frequency. Content is loaded once per period (a fixed number of queries), then every subscriber's
digest is composed from it in memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from exchange.digests.periods import Period
from exchange.extensions import db
from exchange.mail import external_url
from exchange.practices.models import Practice, PracticeRevision, Result, Status
from exchange.reference.models import Region, Theme

SUBSTANTIAL_FIELDS = ("title", "summary", "body", "phase")
LINE_MAX = 160

# Lazy: rendered in the recipient's language (the mail is built under force_locale).
KIND_LABELS = {
    "new": _l("Nieuw"),
    "updated": _l("Bijgewerkt"),
    "result": _l("Nieuw resultaat"),
    "result_corrected": _l("Resultaat gecorrigeerd"),
}


def _english() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "en"


@dataclass(frozen=True)
class Measurement:
    """A new or corrected result, listed under its practice."""

    corrected: bool
    at: datetime
    line_nl: str
    line_en: str
    phase_nl: str
    phase_en: str

    @property
    def label(self) -> str:
        return str(KIND_LABELS["result_corrected" if self.corrected else "result"])

    @property
    def line(self) -> str:
        return self.line_en if _english() else self.line_nl

    @property
    def phase(self) -> str:
        return self.phase_en if _english() else self.phase_nl


@dataclass(frozen=True)
class Item:
    """One practice in a digest, listed once: new, updated, or only with new measurements (`results`)."""

    kind: str  # "new", "updated", "result" or "result_corrected" (the last two: only measurements are new)
    at: datetime  # the latest event
    practice_id: int
    title: str
    url: str
    region_id: int
    region: str
    phase_nl: str
    phase_en: str
    line: str
    theme_ids: frozenset[int]
    results: tuple[Measurement, ...] = ()

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self.kind])

    @property
    def phase(self) -> str:
        return self.phase_en if _english() else self.phase_nl


@dataclass(frozen=True)
class ThemeInfo:
    id: int
    slug: str
    name_nl: str
    position: int
    url: str
    name_en: str = ""

    @property
    def name(self) -> str:
        return (self.name_en or self.name_nl) if _english() else self.name_nl


@dataclass
class PeriodContent:
    """Everything new in one period, per theme (newest first), plus theme and region names."""

    period: Period
    themes: dict[int, ThemeInfo]
    regions: dict[int, tuple[str, str]]  # id -> (slug, display name)
    by_theme: dict[int, list[Item]] = field(default_factory=dict)

    @property
    def item_count(self) -> int:
        """Practices with something new (each counted once, however many measurements it has)."""
        return len({i.practice_id for items in self.by_theme.values() for i in items})


@dataclass(frozen=True)
class Follow:
    """A recipient's subscription to one theme, as plain data (no ORM object is kept while sending)."""

    subscription_id: int
    theme_id: int
    region_ids: frozenset[int]
    confirmed_at: datetime


@dataclass(frozen=True)
class Recipient:
    id: int
    key: str
    email: str
    frequency: str
    confirmed_at: datetime | None
    follows: tuple[Follow, ...]
    language: str = "nl"


@dataclass
class Section:
    theme: ThemeInfo
    follow: Follow
    items: list[Item]
    more: int
    more_url: str
    region_names: list[str]


@dataclass
class Digest:
    recipient: Recipient
    period: Period
    sections: list[Section]

    @property
    def item_count(self) -> int:
        return sum(len(s.items) + s.more for s in self.sections)


def one_line(text: str, limit: int = LINE_MAX) -> str:
    """Whitespace squashed to one line, cut at a word boundary with an ellipsis when longer than `limit`."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:-") + "…"


def _number(value: Decimal | None, locale: str = "nl") -> str:
    if value is None:
        return ""
    return format_decimal(value.normalize() if value == value.to_integral() else value, locale=locale)


def _substantial(snapshot: dict | None) -> tuple:
    snapshot = snapshot or {}
    return tuple(snapshot.get(name) for name in SUBSTANTIAL_FIELDS)


def _changed_practices(start: datetime, end: datetime) -> dict[int, tuple[str, datetime]]:
    """Practices public before `start` that became public again or changed substantially in [start, end)."""
    rows = db.session.execute(
        select(
            PracticeRevision.practice_id,
            PracticeRevision.number,
            PracticeRevision.created_at,
            PracticeRevision.snapshot,
        )
        .join(Practice, Practice.id == PracticeRevision.practice_id)
        .where(
            Practice.status == Status.PUBLISHED,
            Practice.published_at < start,
            PracticeRevision.created_at >= start,
            PracticeRevision.created_at < end,
        )
        .order_by(PracticeRevision.practice_id, PracticeRevision.number)
    ).all()
    if not rows:
        return {}
    in_period: dict[int, list] = defaultdict(list)
    for row in rows:
        in_period[row.practice_id].append(row)
    latest_before = (
        select(PracticeRevision.practice_id, func.max(PracticeRevision.number).label("number"))
        .where(PracticeRevision.practice_id.in_(list(in_period)), PracticeRevision.created_at < start)
        .group_by(PracticeRevision.practice_id)
        .subquery()
    )
    baselines = dict(
        db.session.execute(
            select(PracticeRevision.practice_id, PracticeRevision.snapshot).join(
                latest_before,
                and_(
                    latest_before.c.practice_id == PracticeRevision.practice_id,
                    latest_before.c.number == PracticeRevision.number,
                ),
            )
        ).all()
    )
    changed: dict[int, tuple[str, datetime]] = {}
    for practice_id, revisions in in_period.items():
        final = revisions[-1]
        baseline = baselines.get(practice_id, revisions[0].snapshot)
        if (baseline or {}).get("status") != Status.PUBLISHED.value:
            changed[practice_id] = ("new", final.created_at)
        elif _substantial(baseline) != _substantial(final.snapshot):
            changed[practice_id] = ("updated", final.created_at)
    return changed


def collect_content(period: Period) -> PeriodContent:
    """Load what is new in `period` (published content only) in a fixed number of queries."""
    start, end = period.start, period.end
    themes = {
        t.id: ThemeInfo(
            t.id, t.slug, t.name, t.position, external_url("reference.theme", slug=t.slug), t.name_en or ""
        )
        for t in db.session.scalars(select(Theme))
    }
    regions = {r.id: (r.slug, r.display_name) for r in db.session.scalars(select(Region))}
    content = PeriodContent(period, themes, regions)

    events: dict[int, tuple[str, datetime]] = {
        practice_id: ("new", published_at)
        for practice_id, published_at in db.session.execute(
            select(Practice.id, Practice.published_at).where(
                Practice.status == Status.PUBLISHED,
                Practice.published_at >= start,
                Practice.published_at < end,
            )
        )
    }
    for practice_id, event in _changed_practices(start, end).items():
        events.setdefault(practice_id, event)
    results = list(
        db.session.scalars(
            select(Result)
            .join(Practice, Practice.id == Result.practice_id)
            .where(
                Practice.status == Status.PUBLISHED,
                or_(
                    and_(Result.created_at >= start, Result.created_at < end),
                    and_(Result.created_at < start, Result.updated_at >= start, Result.updated_at < end),
                ),
            )
            .options(selectinload(Result.phase))
        )
    )
    practice_ids = set(events) | {r.practice_id for r in results}
    if not practice_ids:
        return content
    practices = {
        p.id: p
        for p in db.session.scalars(
            select(Practice)
            .where(Practice.id.in_(list(practice_ids)))
            .options(selectinload(Practice.phase), selectinload(Practice.themes))
        )
    }
    urls = {pid: external_url("practices.detail", practice_id=pid) for pid in practices}

    measurements: dict[int, list[Measurement]] = defaultdict(list)
    for r in results:
        corrected = r.created_at < start
        lines = []
        for locale in ("nl", "en"):
            measured = f"{r.indicator}: {_number(r.value, locale)}{(' ' + r.unit) if r.unit else ''}"
            lines.append(one_line(f"{measured}. {r.narrative}" if r.narrative.strip() else measured))
        measurements[r.practice_id].append(
            Measurement(
                corrected,
                r.updated_at if corrected else r.created_at,
                lines[0],
                lines[1],
                r.phase.name,
                r.phase.name_en or r.phase.name,
            )
        )
    items: list[Item] = []
    for practice_id in practice_ids:
        p = practices[practice_id]
        found = sorted(measurements.get(practice_id, []), key=lambda m: m.at, reverse=True)
        if practice_id in events:
            kind, at = events[practice_id]
            at = max([at] + [m.at for m in found])
        else:
            kind = "result" if any(not m.corrected for m in found) else "result_corrected"
            at = found[0].at
        items.append(
            Item(
                kind,
                at,
                p.id,
                p.title,
                urls[p.id],
                p.region_id,
                regions[p.region_id][1],
                p.phase.name,
                p.phase.name_en or p.phase.name,
                one_line(p.summary),
                frozenset(t.id for t in p.themes),
                tuple(found),
            )
        )
    items.sort(key=lambda i: (i.at, i.practice_id, i.kind), reverse=True)
    by_theme: dict[int, list[Item]] = defaultdict(list)
    for item in items:
        for theme_id in item.theme_ids:
            by_theme[theme_id].append(item)
    content.by_theme = dict(by_theme)
    return content


def compose(content: PeriodContent, recipient: Recipient, *, limit: int) -> Digest | None:
    """The recipient's digest for the period: a section per followed theme with something new, or None."""
    sections: list[Section] = []
    for follow in recipient.follows:
        if follow.confirmed_at >= content.period.end:
            continue  # subscribed after the period ended: starts with the next one
        theme = content.themes.get(follow.theme_id)
        items = content.by_theme.get(follow.theme_id, [])
        if follow.region_ids:
            items = [i for i in items if i.region_id in follow.region_ids]
        if theme is None or not items:
            continue
        more_url = theme.url
        if len(follow.region_ids) == 1:
            (only,) = follow.region_ids
            more_url = f"{theme.url}?regio={content.regions[only][0]}"
        sections.append(
            Section(
                theme=theme,
                follow=follow,
                items=items[:limit],
                more=max(0, len(items) - limit),
                more_url=more_url,
                region_names=sorted(content.regions[r][1] for r in follow.region_ids if r in content.regions),
            )
        )
    if not sections:
        return None
    sections.sort(key=lambda s: (s.theme.position, s.theme.name_nl))
    return Digest(recipient, content.period, sections)


def themes_text(names: Iterable[str]) -> str:
    """'A', 'A en B', 'A, B en C' ('A, B and C' in English)."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + (" and " if _english() else " en ") + names[-1]
