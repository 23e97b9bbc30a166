"""Turn database rows into search documents."""
from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select

from exchange.extensions import db
from exchange.reference.models import Region, Theme


def region_document(region: Region) -> dict:
    body = " ".join([region.name, region.province, region.central_municipality or "", *region.municipalities])
    return {
        "key": f"region:{region.id}",
        "type": "region",
        "title": region.display_name,
        "body": body,
        "slug": region.slug,
        "region": region.slug,
        "themes": "",
    }


def theme_document(theme: Theme) -> dict:
    return {
        "key": f"theme:{theme.id}",
        "type": "theme",
        "title": theme.name,
        "body": theme.description,
        "slug": theme.slug,
        "region": "",
        "themes": theme.slug,
    }


def count_documents() -> int:
    return (db.session.scalar(select(func.count(Region.id))) or 0) + (
        db.session.scalar(select(func.count(Theme.id))) or 0
    )


def all_documents() -> Iterator[dict]:
    for region in db.session.scalars(select(Region).order_by(Region.id)):
        yield region_document(region)
    for theme in db.session.scalars(select(Theme).order_by(Theme.id)):
        yield theme_document(theme)
