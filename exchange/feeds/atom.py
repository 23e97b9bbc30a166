"""Building Atom 1.0 feeds (RFC 4287): entries for published practices and results, stable tag: URIs.

Ids never change when a title, slug of the feed page or the site's address changes within its authority:
an entry is `tag:<authority>,<TAG_DATE>:practice/<id>` (or `result/<id>`) in every feed it appears in, so a
reader that follows a theme and a region shows a practice once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from flask import current_app, url_for

from exchange.markdown import render_markdown

TAG_DATE = "2024"
ENTRIES = 30
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Shown when a feed has no entries yet: Atom requires <updated> and a constant keeps the ETag stable.
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


def xml_text(value) -> str:
    """Text that XML 1.0 can carry: control characters (other than tab and newlines) and surrogates removed."""
    return _NOT_XML.sub("", "" if value is None else str(value))


def rfc3339(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def tag_authority() -> str:
    """FEED_TAG_AUTHORITY (app config or environment), else the host of EXTERNAL_URL (e.g. jeugdkennis.nl)."""
    configured = current_app.config.get("FEED_TAG_AUTHORITY")
    if configured:
        return configured
    host = urlsplit(current_app.config.get("EXTERNAL_URL") or "http://localhost").hostname or "localhost"
    return host


def tag_uri(specific: str) -> str:
    return f"tag:{tag_authority()},{TAG_DATE}:{quote(specific, safe='/?:@=&')}"


@dataclass
class Category:
    term: str
    label: str


@dataclass
class Entry:
    id: str
    title: str
    updated: datetime
    url: str
    summary: str
    author: str
    published: datetime | None = None
    content_html: str = ""
    api_url: str | None = None
    categories: list[Category] = field(default_factory=list)


@dataclass
class Feed:
    id: str
    title: str
    subtitle: str
    self_url: str
    alternate_url: str
    entries: list[Entry]

    @property
    def updated(self) -> datetime:
        return max((e.updated for e in self.entries), default=EPOCH)


def practice_entry(practice) -> Entry:
    """An entry for a published practice (region, phase and themes loaded)."""
    return Entry(
        id=tag_uri(f"practice/{practice.id}"),
        title=practice.title,
        updated=practice.updated_at,
        published=practice.published_at,
        url=url_for("practices.detail", practice_id=practice.id, _external=True),
        api_url=url_for("api.practice", practice_id=practice.id, _external=True),
        summary=practice.summary,
        content_html=str(render_markdown(practice.body)) if practice.body else "",
        author=practice.region.display_name,
        categories=[Category(t.slug, t.name) for t in practice.themes]
        + [Category(f"fase:{practice.phase.slug}", practice.phase.name)]
        + profile_categories(practice),
    )


def profile_categories(practice) -> list[Category]:
    """The profile as categories (issue 17): evidence and participation level, target ages (Dutch labels)."""
    from exchange.practices import profile

    found = []
    if practice.evidence_level:
        label = profile.label(profile.EVIDENCE_LEVELS, practice.evidence_level)
        found.append(Category(f"onderbouwing:{practice.evidence_level}", label))
    if practice.participation_level:
        label = profile.label(profile.PARTICIPATION_LEVELS, practice.participation_level)
        found.append(Category(f"participatie:{practice.participation_level}", label))
    if practice.age_from is not None or practice.age_to is not None:
        low = 0 if practice.age_from is None else practice.age_from
        high = 99 if practice.age_to is None else practice.age_to
        found.append(Category(f"leeftijd:{low}-{high}", profile.age_text(practice)))
    return found


def result_entry(result) -> Entry:
    """An entry for a result of a published practice (practice.region and phase loaded)."""
    practice = result.practice
    value = f"{result.value.normalize():f}" if result.value is not None else ""
    unit = f" {result.unit}" if result.unit else ""
    return Entry(
        id=tag_uri(f"result/{result.id}"),
        title=f"{result.indicator}: {value}{unit} ({practice.title})",
        updated=result.updated_at,
        published=result.created_at,
        url=url_for("practices.detail", practice_id=practice.id, _external=True, _anchor="resultaten"),
        api_url=url_for("api.practice", practice_id=practice.id, _external=True),
        summary=result.narrative or f"{result.indicator} gemeten op {result.measured_on.isoformat()}.",
        author=practice.region.display_name,
        categories=[Category(f"fase:{result.phase.slug}", result.phase.name)],
    )
