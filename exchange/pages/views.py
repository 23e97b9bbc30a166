"""Home page, health check and static information pages."""

from __future__ import annotations

from datetime import UTC

from flask import Response, jsonify, render_template
from sqlalchemy import text

from exchange.caching.visitor import visitor_cached
from exchange.extensions import db
from exchange.i18n import localized, one_language
from exchange.pages import bp, statements
from exchange.practices import cards
from exchange.practices import queries as practice_queries
from exchange.practices.models import Status
from exchange.reference import cache, queries
from exchange.reference.notes import note_text


@bp.app_template_filter("one_language")
def one_language_filter(text: str | None) -> str:
    return one_language(text)


@bp.app_template_global("allocation_note")
def allocation_note(note: str | None) -> str:
    return note_text(note)


@bp.app_template_filter("localized_name")
def localized_name_filter(obj) -> str:
    """`obj.name_en` on English pages when there is one, else the Dutch name (for `map` in templates)."""
    return localized(obj, "name")


@bp.get("/")
@visitor_cached
def home():
    names = cache.snapshot()
    latest = practice_queries.practices_stmt(None, status=Status.PUBLISHED)
    return render_template(
        "pages/home.html",
        counts={
            "regions": len(names.regions),
            "action_lines": len(names.action_lines),
            "themes": len(names.themes),
            "phases": len(names.phases),
        },
        themes=names.themes,
        phases=names.phases,
        lines=names.action_lines,
        latest=cards.load(list(db.session.scalars(cards.ids_stmt(latest).limit(6)))),
        published_count=practice_queries.count_published(),
    )


@bp.get("/over")
def about():
    return render_template("pages/about.html")


@bp.get("/toegankelijkheid")
def accessibility():
    return render_template(
        "pages/accessibility.html", check=statements.accessibility_check(), operator=statements.operator()
    )


@bp.get("/privacy")
def privacy():
    return render_template(
        "pages/privacy.html", retention=statements.retention(), operator=statements.operator()
    )


@bp.get("/colofon")
def colophon():
    return render_template("pages/colophon.html", operator=statements.operator())


@bp.get("/bronnen")
def sources():
    return render_template("pages/sources.html", sources=queries.list_sources())


@bp.get("/livez")
def livez():
    """Liveness: the process answers. Touches neither the database nor the index (/healthz is the deep check)."""
    return Response("ok\n", mimetype="text/plain")


@bp.get("/healthz")
def healthz():
    from exchange.search import engine

    checks: dict[str, dict] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
    except Exception as exc:  # noqa: BLE001 - health must report, never raise
        db.session.rollback()
        checks["database"] = {"ok": False, "error": exc.__class__.__name__}
    checks["search_index"] = engine.index_status()
    if checks["database"]["ok"]:
        checks["search_log"] = _search_log_status()
    healthy = all(c["ok"] for c in checks.values())
    body: dict = {"status": "ok" if healthy else "unavailable", "checks": checks}
    if checks["database"]["ok"]:
        # Information, not health: mail waiting for `flask mail send-pending` does not take the site offline.
        body["mail_outbox"] = _mail_outbox_status()
    return jsonify(body), 200 if healthy else 503


def _search_log_status() -> dict:
    """How far this server's index is behind the change log (a lag above the setting takes it out of the
    load balancer)."""
    from exchange.search import changelog
    from exchange.search.queries import current_index

    try:
        return changelog.health(db.session, current_index())
    except Exception as exc:  # noqa: BLE001 - health must report, never raise
        db.session.rollback()
        return {"ok": False, "error": exc.__class__.__name__}


def _mail_outbox_status() -> dict:
    from sqlalchemy import func, select

    from exchange.mail.models import OutgoingMail

    waiting, oldest = db.session.execute(
        select(func.count(OutgoingMail.id), func.min(OutgoingMail.created_at))
    ).one()
    if oldest is not None and oldest.tzinfo is None:  # SQLite returns aggregates without the column type
        oldest = oldest.replace(tzinfo=UTC)
    return {"waiting": waiting, "oldest": oldest.isoformat() if oldest else None}
