"""Results that can be corrected: edit and delete a measurement, rename (or merge) a series, and the indicator
names offered while typing. Every change is a revision of the practice (who, when, what) and bumps its
`updated_at`, so the API, feeds, digests and the search index follow. Services check the policy first, flush,
never commit. Adding a result stays `services.add_result` (imports and the seed call it there)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from exchange import audit
from exchange.database import utcnow
from exchange.errors import Invalid, NotFound
from exchange.extensions import db
from exchange.policy import require
from exchange.practices.models import Practice, Result, Status, practice_theme
from exchange.practices.services import LIMITS, ResultData, check_result_data, record_revision

SUGGESTIONS = 40


def get_result(practice: Practice, result_id: int) -> Result:
    """The result `result_id` of `practice`; NotFound when it does not exist or belongs to another practice."""
    result = db.session.get(Result, result_id)  # the URL's converter bounds the id (exchange/routing.py)
    if result is None or result.practice_id != practice.id:
        raise NotFound(code="result_not_found")
    return result


def tidy(name: str | None) -> str:
    """An indicator name with its whitespace collapsed ("Aantal  thuiszitters " -> "Aantal thuiszitters")."""
    return " ".join((name or "").split())


def series_names(practice: Practice) -> list[str]:
    """The practice's series (distinct indicator names), alphabetically."""
    names = db.session.scalars(select(Result.indicator).where(Result.practice_id == practice.id).distinct())
    return sorted(names, key=str.casefold)


def canonical_indicator(practice: Practice, name: str, *, besides: str | None = None) -> str:
    """`name` tidied, or the practice's existing series name it equals up to case and whitespace.

    So "aantal thuiszitters" joins the series "Aantal thuiszitters" instead of starting a new one. `besides` is
    a series that does not count (the one being renamed, so a rename that only fixes its case is possible)."""
    wanted = tidy(name)
    for existing in series_names(practice):
        if existing != besides and tidy(existing).casefold() == wanted.casefold():
            return existing
    return wanted


def indicator_suggestions(practice: Practice) -> list[str]:
    """Names to offer while typing: the practice's own series first, then the indicators most used in its
    region (any status: the region's staff see them all) and on published practices sharing one of its themes.
    Three queries, at most SUGGESTIONS names."""
    names = series_names(practice)
    theme_ids = [t.id for t in practice.themes]
    count = func.count(Result.id)
    in_region = (
        select(Result.indicator, count)
        .join(Practice, Practice.id == Result.practice_id)
        .where(Practice.region_id == practice.region_id, Practice.id != practice.id)
        .group_by(Result.indicator)
        .order_by(count.desc(), Result.indicator)
        .limit(SUGGESTIONS)
    )
    in_themes = (
        select(Result.indicator, count)
        .join(Practice, Practice.id == Result.practice_id)
        .where(
            Practice.status == Status.PUBLISHED,
            Practice.id != practice.id,
            Practice.id.in_(
                select(practice_theme.c.practice_id).where(practice_theme.c.theme_id.in_(theme_ids))
            ),
        )
        .group_by(Result.indicator)
        .order_by(count.desc(), Result.indicator)
        .limit(SUGGESTIONS)
    )
    seen = {n.casefold() for n in names}
    for stmt in (in_region, in_themes) if theme_ids else (in_region,):
        for indicator, _ in db.session.execute(stmt):
            if indicator.casefold() not in seen:
                seen.add(indicator.casefold())
                names.append(indicator)
    return names[:SUGGESTIONS]


def number(value: Decimal | None) -> str:
    """A stored number as the forms show it: no trailing zeros, a decimal comma; '–' for none."""
    if value is None:
        return "–"
    return format(value.normalize(), "f").replace(".", ",")


def _same_number(a: Decimal | None, b: Decimal | None) -> bool:
    return a == b if a is not None and b is not None else a is b


def _lines(text: str | None) -> str:
    # Browsers send line breaks as CRLF; a text that differs only there is unchanged.
    return (text or "").replace("\r\n", "\n")


def _changes(result: Result, data: ResultData) -> list[str]:
    """What `data` changes in `result`, as short Dutch phrases for the revision note (empty: nothing)."""
    changes = []
    indicator = (data.indicator or "").strip()
    if result.indicator != indicator:
        changes.append(str(_l("indicator '%(a)s' → '%(b)s'", a=result.indicator, b=indicator)))
    for name, label in (
        ("value", _l("waarde")),
        ("baseline", _l("nulmeting")),
        ("target", _l("streefwaarde")),
    ):
        old, new = getattr(result, name), getattr(data, name)
        if not _same_number(old, new):
            changes.append(f"{label} {number(old)} → {number(new)}")
    if (result.unit or "") != (data.unit or "").strip():
        changes.append(f"{_l('eenheid')} '{result.unit}' → '{(data.unit or '').strip()}'")
    if result.measured_on != data.measured_on:
        changes.append(f"{_l('datum')} {result.measured_on.isoformat()} → {data.measured_on.isoformat()}")
    if result.phase_id != data.phase.id:
        changes.append(str(_l("fase")))
    if _lines(result.narrative) != _lines(data.narrative):
        changes.append(str(_l("toelichting")))
    if data.external_id is not None and result.external_id != data.external_id:
        changes.append("external_id")
    return changes


def _revise(actor, practice: Practice, note: str) -> None:
    practice.revision += 1
    practice.updated_at = utcnow()
    record_revision(actor, practice, note)


def update_result(actor, result: Result, data: ResultData) -> bool:
    """Correct a result: the staff of its region (or the system actor, for imports).

    Records one revision of the practice naming what changed ("Resultaat 'X' gewijzigd: waarde 12 → 14") and
    returns True; returns False and records nothing when nothing changed. Raises NotAllowed, Invalid."""
    require(actor, "result.edit", result)
    check_result_data(data)
    changes = _changes(result, data)
    if not changes:
        return False
    before = result.indicator
    # Stripped like add_result does (the page tidies further with canonical_indicator; an import matches
    # results by their exact indicator, so the service must not rewrite it beyond that).
    result.indicator = data.indicator.strip()
    result.value, result.baseline, result.target = data.value, data.baseline, data.target
    result.unit = (data.unit or "").strip()
    result.measured_on = data.measured_on
    result.phase_id = data.phase.id
    if _lines(result.narrative) != _lines(data.narrative):
        result.narrative = data.narrative or ""
    if data.external_id is not None:
        result.external_id = data.external_id
    result.updated_at = utcnow()
    note = _l("Resultaat '%(i)s' gewijzigd: %(what)s", i=before, what="; ".join(changes))
    _revise(actor, result.practice, str(note))
    audit.record(
        "result_edited",
        actor=actor,
        **audit.about_practice(result.practice),
        indicator=result.indicator,
        measured_on=result.measured_on.isoformat(),
    )
    db.session.flush()
    return True


def delete_result(actor, result: Result) -> None:
    """Delete a result: the staff of its region. Records a revision ("Resultaat 'X' verwijderd ...")."""
    require(actor, "result.delete", result)
    practice = result.practice
    note = _l(
        "Resultaat '%(i)s' van %(d)s verwijderd (waarde %(v)s)",
        i=result.indicator,
        d=result.measured_on.isoformat(),
        v=number(result.value),
    )
    audit.record(
        "result_deleted",
        actor=actor,
        **audit.about_practice(practice),
        indicator=result.indicator,
        measured_on=result.measured_on.isoformat(),
    )
    practice.results.remove(result)
    db.session.delete(result)
    _revise(actor, practice, str(note))
    db.session.flush()


def rename_series(actor, practice: Practice, old: str, new: str) -> int:
    """Give every result of the series `old` the name `new`, in one revision; returns how many changed.

    A `new` equal (up to case and whitespace) to another series of the practice merges the two under that
    series' name. Only the staff of the practice's region. Raises NotAllowed, Invalid."""
    require(actor, "practice.edit", practice)
    results = [r for r in practice.results if r.indicator == old]
    if not results:
        raise Invalid.on_field("series", str(_l("Kies een bestaande reeks.")))
    require(actor, "result.edit", results[0])
    name = canonical_indicator(practice, new, besides=old)
    if not name:
        raise Invalid.on_field("new_name", str(_l("Dit veld is verplicht.")))
    if len(name) > LIMITS["indicator"]:
        raise Invalid.on_field("new_name", str(_l("Maximaal %(n)s tekens.", n=LIMITS["indicator"])))
    if name == old:
        raise Invalid.on_field("new_name", str(_l("Dit is al de naam van deze reeks.")))
    merged = any(r.indicator == name for r in practice.results)
    now = utcnow()
    for result in results:
        result.indicator = name
        result.updated_at = now
    if merged:
        note = _l("Reeks '%(a)s' samengevoegd met '%(b)s' (%(n)s metingen)", a=old, b=name, n=len(results))
    else:
        note = _l("Reeks '%(a)s' hernoemd naar '%(b)s' (%(n)s metingen)", a=old, b=name, n=len(results))
    _revise(actor, practice, str(note))
    db.session.flush()
    return len(results)
