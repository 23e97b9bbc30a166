"""The synonym list: groups of words that mean the same in youth care, kept in the database.

Synonyms are applied when searching (never when indexing), so an administrator's change works at once, for
every worker, without a reindex. A word the user types is expanded to its group; a quoted phrase that is a
member ("licht verstandelijke beperking") is expanded as well. Unquoted words are never joined into a
multi-word member.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from exchange.errors import Conflict, Invalid
from exchange.extensions import db
from exchange.search import engine
from exchange.search.models import SearchSynonym

MAX_TERMS = 12
MAX_TERM_CHARS = 60
_TERM_OK = re.compile(r"^[\w][\w .'/+-]*$")

# Shipped defaults (migration 0004 inserts the same list; `flask search synonyms --defaults` restores it).
DEFAULT_SYNONYMS: list[tuple[str, str]] = [
    ("jeugdhulp, jeugdzorg", "Het stelselbrede woord en het oude woord."),
    ("jeugdhulpaanbieder, zorgaanbieder, jeugdzorgaanbieder", ""),
    (
        "wijkteam, buurtteam, jeugdteam, lokaal team, sociaal team, toegangsteam",
        "Namen voor de lokale toegang.",
    ),
    ("thuiszitter, thuiszittende leerling, schoolverzuimer", ""),
    ("lvb, licht verstandelijke beperking", ""),
    ("jim, jouw ingebrachte mentor, netwerkmentor", "Sociale netwerkstrategieën."),
    ("poh, praktijkondersteuner, praktijkondersteuner huisarts", "POH-jeugd bij de huisarts."),
    ("ggz, geestelijke gezondheidszorg", ""),
    ("jgz, jeugdgezondheidszorg", ""),
    ("cjg, centrum voor jeugd en gezin", ""),
    ("jeugdbescherming, kinderbescherming", ""),
    ("wachtlijst, wachttijd", ""),
    ("inkoop, contractering, aanbesteding", ""),
    ("outcome, uitkomst, maatschappelijk effect", ""),
    ("vakmanschap, professionalisering", ""),
    ("pleegzorg, pleeggezin", ""),
    ("gezinshuis, gezinsvervangend tehuis", ""),
    ("verlengde jeugdhulp, jeugdhulp na 18", "18-/18+."),
    ("veilig thuis, amhk", "Advies- en meldpunt huiselijk geweld en kindermishandeling."),
    ("mdo, multidisciplinair overleg", ""),
    ("vng, vereniging van nederlandse gemeenten", ""),
    ("ozj, ondersteuningsteam zorg voor de jeugd", ""),
]


def normalise_terms(raw: str) -> list[str]:
    """Split a comma-separated list into clean terms (lower case, single spaces, no duplicates)."""
    terms: list[str] = []
    for part in (raw or "").split(","):
        term = " ".join(part.split()).lower()
        if term and term not in terms:
            terms.append(term)
    return terms


def check_terms(terms: list[str]) -> None:
    """Raise Invalid unless this is a usable group: 2 to MAX_TERMS terms, each short and searchable."""
    errors = []
    if len(terms) < 2:
        errors.append(str(_l("Geef minstens twee woorden, gescheiden door komma's.")))
    if len(terms) > MAX_TERMS:
        errors.append(str(_l("Maximaal %(n)s woorden per groep.", n=MAX_TERMS)))
    for term in terms:
        if len(term) > MAX_TERM_CHARS or not _TERM_OK.match(term):
            errors.append(str(_l("'%(term)s' is geen bruikbaar zoekwoord.", term=term[:MAX_TERM_CHARS])))
        elif not engine.analyze_query(term):
            errors.append(str(_l("'%(term)s' bestaat alleen uit stopwoorden.", term=term)))
    if errors:
        raise Invalid.on_fields({"terms": " ".join(errors)}, _l("De synoniemen zijn niet goed ingevuld."))


def _ensure_unique(joined: str, exclude_id: int | None = None) -> None:
    stmt = select(SearchSynonym.id).where(SearchSynonym.terms == joined)
    if exclude_id is not None:
        stmt = stmt.where(SearchSynonym.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        message = str(_l("Deze groep synoniemen bestaat al."))
        raise Conflict(message, code="synonym_exists", details={"fields": {"terms": message}})


def add_synonym(actor, raw_terms: str, note: str = "") -> SearchSynonym:
    """Add a synonym group. Administrators only (search.manage); raises NotAllowed, Invalid, Conflict."""
    from exchange.policy import require

    require(actor, "search.manage")
    terms = normalise_terms(raw_terms)
    check_terms(terms)
    joined = ", ".join(terms)
    _ensure_unique(joined)
    synonym = SearchSynonym(terms=joined, note=(note or "").strip()[:200])
    db.session.add(synonym)
    db.session.flush()
    return synonym


def update_synonym(actor, synonym: SearchSynonym, raw_terms: str, note: str = "") -> None:
    """Change a synonym group. Administrators only; raises NotAllowed, Invalid, Conflict."""
    from exchange.policy import require

    require(actor, "search.manage")
    terms = normalise_terms(raw_terms)
    check_terms(terms)
    joined = ", ".join(terms)
    _ensure_unique(joined, exclude_id=synonym.id)
    synonym.terms = joined
    synonym.note = (note or "").strip()[:200]
    db.session.flush()


def delete_synonym(actor, synonym: SearchSynonym) -> None:
    """Remove a synonym group. Administrators only; raises NotAllowed."""
    from exchange.policy import require

    require(actor, "search.manage")
    db.session.delete(synonym)
    db.session.flush()


def load_defaults() -> int:
    """Insert the shipped groups that are not there yet (by their exact terms). Returns how many were added."""
    existing = set(db.session.scalars(select(SearchSynonym.terms)))
    added = 0
    for terms, note in DEFAULT_SYNONYMS:
        joined = ", ".join(normalise_terms(terms))
        if joined not in existing:
            db.session.add(SearchSynonym(terms=joined, note=note))
            added += 1
    db.session.flush()
    return added


@dataclass(frozen=True)
class SynonymMap:
    """Analysed synonym groups: index term (or phrase of terms) -> the other members of its group."""

    groups: tuple[tuple[tuple[str, ...], ...], ...]
    by_member: dict[tuple[str, ...], int]
    words: tuple[str, ...]  # folded single words of all groups, offered as spelling suggestions

    def alternatives(self, member: tuple[str, ...]) -> list[tuple[str, ...]]:
        """`member` first, then the other members of its group (empty list of extras when it has none)."""
        index = self.by_member.get(member)
        if index is None:
            return [member]
        return [member] + [m for m in self.groups[index] if m != member]


def build_map(groups: list[list[str]]) -> SynonymMap:
    analysed: list[tuple[tuple[str, ...], ...]] = []
    by_member: dict[tuple[str, ...], int] = {}
    words: set[str] = set()
    for terms in groups:
        members = []
        for term in terms:
            member = tuple(engine.analyze_query(term))
            if member and member not in members:
                members.append(member)
            words.update(w for w in engine.fold_words(term) if " " not in w)
        if len(members) < 2:
            continue
        index = len(analysed)
        analysed.append(tuple(members))
        for member in members:
            by_member.setdefault(member, index)
    return SynonymMap(groups=tuple(analysed), by_member=by_member, words=tuple(sorted(words)))


_cache: dict[str, tuple[tuple, SynonymMap]] = {}
_cache_lock = threading.Lock()


def current_map() -> SynonymMap:
    """The synonym map from the database, rebuilt in this process only when the list changed (one small query)."""
    version = tuple(
        db.session.execute(
            select(
                func.count(SearchSynonym.id), func.max(SearchSynonym.updated_at), func.max(SearchSynonym.id)
            )
        ).one()
    )
    key = str(db.engine.url)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
    groups = [s.term_list for s in db.session.scalars(select(SearchSynonym).order_by(SearchSynonym.id))]
    mapping = build_map(groups)
    with _cache_lock:
        _cache[key] = (version, mapping)
    return mapping
