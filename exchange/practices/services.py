"""Business rules for practices: create, edit (with revisions), publish, archive, post results and coaching
feedback; moves through the cycle are in exchange.practices.cycle. Each function checks permission first,
flushes, never commits.

Imports, seeding and the command line act as exchange.policy.SYSTEM (its id is None, so rows it writes have no
author), which the policy allows to create and edit practices; None is a visitor and is always refused."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from exchange import audit
from exchange.database import utcnow, utctoday
from exchange.errors import Conflict, Invalid
from exchange.extensions import db
from exchange.policy import require
from exchange.practices import profile
from exchange.practices.models import (
    CycleStep,
    FeedbackMessage,
    Practice,
    PracticeLink,
    PracticeRevision,
    Result,
    Status,
)
from exchange.reference.models import ActionLine, CyclePhase, Region, Theme

LIMITS = {
    "title": 200,
    "summary": 500,
    "body": 50_000,
    "target_group": 200,
    "contact_name": 120,
    "contact_email": 254,
    "link_url": 500,
    "link_title": 200,
    "indicator": 200,
    "unit": 40,
    "narrative": 10_000,
    "explanation": 2_000,
    "feedback": 5_000,
}
MAX_LINKS = 20
MIN_EXPLANATION = 10


@dataclass
class PracticeData:
    """Validated, resolved input for a practice (from a form or an import file)."""

    title: str
    summary: str
    themes: list[Theme]
    phase: CyclePhase
    action_lines: list[ActionLine] = field(default_factory=list)
    body: str = ""
    target_group: str = ""
    contact_name: str = ""
    contact_email: str = ""
    period_start: date | None = None
    period_end: date | None = None
    links: list[tuple[str, str]] = field(default_factory=list)  # (title, url)
    profile: profile.ProfileData = field(default_factory=profile.ProfileData)


@dataclass
class ResultData:
    indicator: str
    value: Decimal
    measured_on: date
    phase: CyclePhase
    unit: str = ""
    baseline: Decimal | None = None
    target: Decimal | None = None
    narrative: str = ""
    external_id: str | None = None


def check_practice_data(data: PracticeData, region: Region) -> None:
    """Raise Invalid with per-field Dutch messages when the data breaks a rule (the fund share is checked
    against `region`'s allocation)."""
    errors: dict[str, str] = profile.check_profile(data.profile, region)
    for name in ("title", "summary"):
        if not (getattr(data, name) or "").strip():
            errors[name] = str(_l("Dit veld is verplicht."))
    for name in ("title", "summary", "body", "target_group", "contact_name", "contact_email"):
        if len(getattr(data, name) or "") > LIMITS[name]:
            errors[name] = str(_l("Maximaal %(n)s tekens.", n=LIMITS[name]))
    if not data.themes:
        errors["themes"] = str(_l("Kies minstens één thema."))
    if data.phase is None:
        errors["phase"] = str(_l("Kies een fase van de ontwikkelcirkel."))
    if data.period_start and data.period_end and data.period_end < data.period_start:
        errors["period_end"] = str(_l("Het einde ligt vóór het begin."))
    if len(data.links) > MAX_LINKS:
        errors["links"] = str(_l("Maximaal %(n)s links.", n=MAX_LINKS))
    for title, url in data.links:
        if (
            not url.startswith(("https://", "http://"))
            or len(url) > LIMITS["link_url"]
            or len(title) > LIMITS["link_title"]
        ):
            errors["links"] = str(
                _l("Elke link moet beginnen met https:// of http:// en mag niet te lang zijn.")
            )
    if errors:
        raise Invalid.on_fields(errors, _l("Niet alle velden zijn goed ingevuld."))


def snapshot(practice: Practice) -> dict:
    """The editable fields of a practice as plain data (stored per revision, compared on the history page)."""
    return {
        "title": practice.title,
        "summary": practice.summary,
        "body": practice.body,
        "target_group": practice.target_group,
        "contact_name": practice.contact_name,
        "contact_email": practice.contact_email,
        "period_start": practice.period_start.isoformat() if practice.period_start else None,
        "period_end": practice.period_end.isoformat() if practice.period_end else None,
        "themes": [t.slug for t in practice.themes],
        "action_lines": [x.number for x in practice.action_lines],
        "phase": practice.phase.slug if practice.phase else None,
        "status": practice.status.value,
        "links": [[link.title, link.url] for link in practice.links],
        **profile.snapshot(practice),
    }


def record_revision(actor, practice: Practice, note: str) -> None:
    db.session.flush()
    db.session.add(
        PracticeRevision(
            practice_id=practice.id,
            number=practice.revision,
            author_id=actor.id,
            note=note[:200],
            snapshot=snapshot(practice),
        )
    )


def _apply(practice: Practice, data: PracticeData) -> None:
    practice.title = data.title.strip()
    practice.summary = data.summary.strip()
    practice.body = data.body
    practice.target_group = data.target_group.strip()
    practice.contact_name = data.contact_name.strip()
    practice.contact_email = data.contact_email.strip()
    practice.period_start = data.period_start
    practice.period_end = data.period_end
    # A stable order, so an unchanged save compares equal and records no revision.
    practice.themes = sorted(dict.fromkeys(data.themes), key=lambda t: (t.position, t.id))
    practice.action_lines = sorted(dict.fromkeys(data.action_lines), key=lambda x: x.number)
    wanted = [(t.strip() or u.strip(), u.strip()) for t, u in data.links]
    current = [(link.title, link.url) for link in practice.links]
    if wanted != current:
        practice.links = [PracticeLink(title=t, url=u, position=i) for i, (t, u) in enumerate(wanted)]
    profile.apply_profile(practice, data.profile)


def create_practice(
    actor,
    region: Region,
    data: PracticeData,
    *,
    external_id: str | None = None,
    is_demo: bool = False,
    started_on: date | None = None,
    start_explanation: str | None = None,
) -> Practice:
    """Create a draft practice for `region`. Only staff of that region (or the system actor) may."""
    require(actor, "practice.create", region)
    check_practice_data(data, region)
    now = utcnow()
    practice = Practice(
        region_id=region.id,
        phase=data.phase,
        status=Status.DRAFT,
        external_id=external_id,
        is_demo=is_demo,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
        revision=1,
    )
    _apply(practice, data)
    db.session.add(practice)
    db.session.flush()
    db.session.add(
        CycleStep(
            practice_id=practice.id,
            from_phase_id=None,
            to_phase_id=data.phase.id,
            moved_on=started_on or now.date(),
            explanation=start_explanation or str(_l("Praktijkvoorbeeld aangemaakt in deze fase.")),
            author_id=actor.id,
        )
    )
    record_revision(actor, practice, str(_l("Aangemaakt")))
    return practice


def update_practice(actor, practice: Practice, data: PracticeData, *, expected_revision: int | None) -> bool:
    """Save an edit as a new revision. Refuses stale edits (someone saved in between) with Conflict.

    The phase cannot change here: moving through the cycle needs an explanation (see cycle.move_phase).
    Returns False (and records nothing) when nothing changed.
    """
    require(actor, "practice.edit", practice)
    # Lock the row and read its revision afresh: two saves of one practice at once must not both pass the
    # check and then collide on the revision number (a 500 under load on PostgreSQL; bench/load.py).
    db.session.refresh(practice, ["revision"], with_for_update=True)
    if expected_revision is not None and expected_revision != practice.revision:
        raise Conflict(
            _l("Iemand anders heeft dit praktijkvoorbeeld intussen gewijzigd. Laad de pagina opnieuw."),
            code="stale_revision",
        )
    if data.phase.id != practice.phase_id:
        raise Invalid.on_fields(
            {"phase": str(_l("Gebruik 'Fase wijzigen'."))},
            _l("Een andere fase kiest u met 'Fase wijzigen', met een toelichting."),
        )
    check_practice_data(data, practice.region)
    before = snapshot(practice)
    _apply(practice, data)
    db.session.flush()
    if snapshot(practice) == before:
        return False
    practice.revision += 1
    practice.updated_at = utcnow()
    record_revision(actor, practice, str(_l("Bewerkt")))
    return True


def publish_practice(actor, practice: Practice) -> None:
    """Make a practice visible to everyone. Only staff of its own region (or the system actor)."""
    require(actor, "practice.publish", practice)
    if practice.status == Status.PUBLISHED:
        raise Conflict(_l("Dit praktijkvoorbeeld is al gepubliceerd."), code="already_published")
    _set_status(actor, practice, Status.PUBLISHED)


def archive_practice(actor, practice: Practice) -> None:
    """Take a practice out of public view, keeping it for the region and its coaches (or the system actor)."""
    require(actor, "practice.archive", practice)
    if practice.status == Status.ARCHIVED:
        raise Conflict(_l("Dit praktijkvoorbeeld is al gearchiveerd."), code="already_archived")
    _set_status(actor, practice, Status.ARCHIVED)


def _set_status(actor, practice: Practice, status: Status) -> None:
    now = utcnow()
    practice.status = status
    if status == Status.PUBLISHED:
        practice.published_at = practice.published_at or now
        practice.archived_at = None
    elif status == Status.ARCHIVED:
        practice.archived_at = now
    practice.revision += 1
    practice.updated_at = now
    note = {Status.PUBLISHED: _l("Gepubliceerd"), Status.ARCHIVED: _l("Gearchiveerd")}[status]
    record_revision(actor, practice, str(note))
    action = {Status.PUBLISHED: "practice_published", Status.ARCHIVED: "practice_archived"}[status]
    audit.record(action, actor=actor, **audit.about_practice(practice))


def check_result_data(data: ResultData) -> None:
    errors = {}
    if not (data.indicator or "").strip():
        errors["indicator"] = str(_l("Dit veld is verplicht."))
    elif len(data.indicator) > LIMITS["indicator"]:
        errors["indicator"] = str(_l("Maximaal %(n)s tekens.", n=LIMITS["indicator"]))
    if len(data.unit or "") > LIMITS["unit"]:
        errors["unit"] = str(_l("Maximaal %(n)s tekens.", n=LIMITS["unit"]))
    if len(data.narrative or "") > LIMITS["narrative"]:
        errors["narrative"] = str(_l("Maximaal %(n)s tekens.", n=LIMITS["narrative"]))
    for name in ("value", "baseline", "target"):
        number = getattr(data, name)
        if number is not None and (not number.is_finite() or abs(number) >= Decimal("1e10")):
            errors[name] = str(_l("Vul een getal in."))
        elif number is not None and number.normalize().as_tuple().exponent < -4:
            # The column keeps 4 decimals; more would be rounded silently.
            errors[name] = str(_l("Gebruik hoogstens 4 decimalen."))
    if data.value is None:
        errors["value"] = str(_l("Vul een getal in."))
    if data.measured_on is None:
        errors["measured_on"] = str(_l("Vul een datum in."))
    elif data.measured_on > utctoday():
        errors["measured_on"] = str(_l("Een meting kan niet in de toekomst liggen."))
    if errors:
        raise Invalid.on_fields(errors, _l("Het resultaat is niet goed ingevuld."))


def add_result(actor, practice: Practice, data: ResultData) -> Result:
    """Post a measured result on a practice. Only staff of its region (or the system actor)."""
    require(actor, "result.add", practice)
    check_result_data(data)
    result = Result(
        practice_id=practice.id,
        phase_id=data.phase.id,
        indicator=data.indicator.strip(),
        value=data.value,
        unit=(data.unit or "").strip(),
        baseline=data.baseline,
        target=data.target,
        measured_on=data.measured_on,
        narrative=data.narrative or "",
        external_id=data.external_id,
        author_id=actor.id,
        created_at=utcnow(),
    )
    db.session.add(result)
    practice.updated_at = utcnow()
    db.session.flush()
    return result


def post_feedback(actor, practice: Practice, body: str) -> FeedbackMessage:
    """Add a message to the practice's private coaching thread and notify the other side after commit.

    Coaches' messages notify the region's staff; staff replies notify the coaches of that practice.
    """
    from exchange.practices import notifications

    require(actor, "feedback.post", practice)
    body = (body or "").strip()
    if not body:
        raise Invalid.on_fields({"body": str(_l("Dit veld is verplicht."))}, _l("Schrijf eerst een bericht."))
    if len(body) > LIMITS["feedback"]:
        raise Invalid.on_fields(
            {"body": str(_l("Maximaal %(n)s tekens.", n=LIMITS["feedback"]))}, _l("Het bericht is te lang.")
        )
    message = FeedbackMessage(practice_id=practice.id, author_id=actor.id, body=body, created_at=utcnow())
    db.session.add(message)
    db.session.flush()
    notifications.feedback_posted(actor, practice, message)
    return message
