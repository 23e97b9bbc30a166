"""The synonym list: groups of words that mean the same in youth care, kept in the database.

Synonyms are applied when searching (never when indexing), so an administrator's change works at once, for
every worker, without a reindex. A word the user types is expanded to its group; a quoted phrase that is a
member ("licht verstandelijke beperking") is expanded as well. Unquoted words are never joined into a
multi-word member.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from exchange.errors import Conflict, Invalid
from exchange.extensions import db
from exchange.search import engine
from exchange.search.models import SearchSynonym

MAX_TERMS = 12
MAX_TERM_CHARS = 60
_TERM_OK = re.compile(r"^[\w][\w .'/+-]*$")

# Shipped defaults: `flask seed reference` and `flask search synonyms --defaults` add them (load_defaults).
# "a, b > c, d": a and b mean the same; a search for either also finds the narrower c and d (NARROWER_WEIGHT).
DEFAULT_SYNONYMS: list[tuple[str, str]] = [
    ("jeugdhulp, jeugdzorg", "Het stelselbrede woord en het oude woord."),
    ("jeugdhulpaanbieder, zorgaanbieder, jeugdzorgaanbieder", ""),
    (
        "wijkteam, buurtteam, jeugdteam, lokaal team, sociaal team, toegangsteam",
        "Namen voor de lokale toegang.",
    ),
    (
        "thuiszitter, thuiszittende leerling, schoolverzuimer, verzuim, schoolverzuim, ziekteverzuim",
        "Thuiszitten begint vaak met verzuim.",
    ),
    ("lvb, licht verstandelijke beperking, licht verstandelijk beperkt", ""),
    ("jim, jouw ingebrachte mentor, netwerkmentor", "Sociale netwerkstrategieën."),
    (
        (
            "poh, praktijkondersteuner, praktijkondersteuner huisarts, poh-jeugd, poh-ggz, "
            "praktijkondersteuner jeugd, praktijkondersteuner jeugd-ggz"
        ),
        "POH-jeugd of POH-GGZ jeugd bij de huisarts.",
    ),
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
    (
        "jongvolwassenen, jonge volwassenen, 18-plussers, 16-27, 18-27, 18 tot 23, 18 tot 27, 16 tot 27",
        "Jongeren rond en na hun 18e.",
    ),
    ("jongeren > jongvolwassenen, jonge volwassenen, pleegjongeren", "Wie jongeren zoekt, vindt ook deze."),
    ("dakloos, thuisloos, zwerfjongeren, dakloze jongeren", ""),
    ("huisarts > poh, praktijkondersteuner", "Wie de huisarts zoekt, vindt ook de POH."),
    (
        (
            "netwerkstrategie, sociale netwerkstrategie > jim, netwerkberaad, eigen kracht-conferentie, "
            "familiegroepsplan"
        ),
        "",
    ),
    ("uithuisplaatsing, plaatsing buiten het gezin", ""),
    ("multiprobleemgezin, gezin met meervoudige problemen", ""),
    ("residentiele jeugdhulp, verblijf, leefgroep", ""),
]
# Groups as earlier versions shipped them (migration 0004). A group still exactly like this was never edited
# by an administrator, so load_defaults may bring it up to date; an edited group is left alone.
EARLIER_DEFAULTS: dict[str, str] = {
    "thuiszitter, thuiszittende leerling, schoolverzuimer": (
        "thuiszitter, thuiszittende leerling, schoolverzuimer, verzuim, schoolverzuim, ziekteverzuim"
    ),
    "lvb, licht verstandelijke beperking": "lvb, licht verstandelijke beperking, licht verstandelijk beperkt",
    "poh, praktijkondersteuner, praktijkondersteuner huisarts": (
        "poh, praktijkondersteuner, praktijkondersteuner huisarts, poh-jeugd, poh-ggz, "
        "praktijkondersteuner jeugd, praktijkondersteuner jeugd-ggz"
    ),
}
SYNONYM_WEIGHT = 0.8
NARROWER_WEIGHT = 0.5
NARROWER = ">"


def normalise_terms(raw: str) -> list[str]:
    """Split a comma-separated list into clean terms (lower case, single spaces, no duplicates)."""
    terms: list[str] = []
    for part in (raw or "").split(","):
        term = " ".join(part.split()).lower()
        if term and term not in terms:
            terms.append(term)
    return terms


def parse_group(raw: str) -> tuple[list[str], list[str]]:
    """'jongeren > jongvolwassenen, 18-plussers' -> (['jongeren'], ['jongvolwassenen', '18-plussers'])."""
    head, sep, tail = (raw or "").partition(NARROWER)
    return normalise_terms(head), (normalise_terms(tail) if sep else [])


def join_group(equal: list[str], narrower: list[str]) -> str:
    """The stored form: 'a, b' or 'a, b > c, d'."""
    joined = ", ".join(equal)
    return f"{joined} {NARROWER} {', '.join(narrower)}" if narrower else joined


def check_group(equal: list[str], narrower: list[str]) -> None:
    """Raise Invalid unless this is a usable group: 2 to MAX_TERMS terms (or at least one term and one
    narrower term), each short and searchable."""
    if narrower:
        errors = []
        if not equal:
            errors.append(str(_l("Zet voor '>' minstens één woord.")))
        repeated = [t for t in narrower if t in equal]
        if repeated:
            errors.append(str(_l("'%(term)s' staat voor en na '>'.", term=repeated[0][:MAX_TERM_CHARS])))
        if errors:
            raise Invalid.on_fields({"terms": " ".join(errors)}, _l("De synoniemen zijn niet goed ingevuld."))
        check_terms(equal + narrower, minimum=2)
    else:
        check_terms(equal)


def check_terms(terms: list[str], minimum: int = 2) -> None:
    """Raise Invalid unless this is a usable group: 2 to MAX_TERMS terms, each short and searchable."""
    errors = []
    if len(terms) < minimum:
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
    equal, narrower = parse_group(raw_terms)
    check_group(equal, narrower)
    joined = join_group(equal, narrower)
    _ensure_unique(joined)
    synonym = SearchSynonym(terms=joined, note=(note or "").strip()[:200])
    db.session.add(synonym)
    db.session.flush()
    return synonym


def update_synonym(actor, synonym: SearchSynonym, raw_terms: str, note: str = "") -> None:
    """Change a synonym group. Administrators only; raises NotAllowed, Invalid, Conflict."""
    from exchange.policy import require

    require(actor, "search.manage")
    equal, narrower = parse_group(raw_terms)
    check_group(equal, narrower)
    joined = join_group(equal, narrower)
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


def _shipped(terms: str) -> str:
    return join_group(*parse_group(terms))


def load_defaults() -> int:
    """Add the shipped groups an administrator has not made their own. Returns how many were added or updated.

    Idempotent, and never overwrites an administrator's edits: a default is added only when none of its terms
    is in the list yet (an administrator who edited or split a group keeps it as it is), and an existing group
    is changed only when it is exactly as an earlier version shipped it (EARLIER_DEFAULTS). A default group
    that an administrator deleted entirely comes back; to retire one, edit it instead.
    """
    rows = list(db.session.scalars(select(SearchSynonym)))
    existing = {row.terms for row in rows}
    changed = 0
    for row in rows:
        newer = EARLIER_DEFAULTS.get(row.terms)
        if newer is not None and _shipped(newer) not in existing:
            existing.discard(row.terms)
            row.terms = _shipped(newer)
            existing.add(row.terms)
            changed += 1
    used = {t for joined in existing for part in parse_group(joined) for t in part}
    for terms, note in DEFAULT_SYNONYMS:
        joined = _shipped(terms)
        equal, narrower = parse_group(joined)
        if joined in existing or used & set(equal):
            continue
        db.session.add(SearchSynonym(terms=joined, note=note))
        existing.add(joined)
        used.update(equal + narrower)
        changed += 1
    db.session.flush()
    return changed


@dataclass(frozen=True)
class SynonymMap:
    """Analysed synonym groups: index term (or phrase of terms) -> the other members of its group, and the
    narrower terms a member also finds."""

    groups: tuple[tuple[tuple[str, ...], ...], ...]
    by_member: dict[tuple[str, ...], int]
    words: tuple[str, ...]  # folded single words of all groups, offered as spelling suggestions
    expansions: dict[tuple[str, ...], tuple[tuple[tuple[str, ...], float], ...]] = field(default_factory=dict)

    def alternatives(self, member: tuple[str, ...]) -> list[tuple[str, ...]]:
        """`member` first, then the other members of its group (empty list of extras when it has none)."""
        index = self.by_member.get(member)
        if index is None:
            return [member]
        return [member] + [m for m in self.groups[index] if m != member]

    def has(self, member: tuple[str, ...]) -> bool:
        """Whether `member` is a term of some group (with synonyms or narrower terms)."""
        return member in self.expansions

    def weighted(self, member: tuple[str, ...]) -> list[tuple[tuple[str, ...], float]]:
        """`member` (weight 1), its synonyms in every group (SYNONYM_WEIGHT), then narrower terms
        (NARROWER_WEIGHT)."""
        return [(member, 1.0), *self.expansions.get(member, ())]


def build_map(groups: list) -> SynonymMap:
    """Analyse groups: each a stored string ('a, b > c') or a list of equal terms."""
    analysed: list[tuple[tuple[str, ...], ...]] = []
    by_member: dict[tuple[str, ...], int] = {}
    words: set[str] = set()
    extra: dict[tuple[str, ...], dict[tuple[str, ...], float]] = {}

    def members_of(terms: list[str]) -> list[tuple[str, ...]]:
        out: list[tuple[str, ...]] = []
        for term in terms:
            member = tuple(engine.analyze_query(term))
            if member and member not in out:
                out.append(member)
            words.update(w for w in engine.fold_words(term) if " " not in w)
        return out

    for group in groups:
        equal_terms, narrower_terms = parse_group(group) if isinstance(group, str) else (list(group), [])
        members = members_of(equal_terms)
        narrower = [m for m in members_of(narrower_terms) if m not in members]
        if not members or (len(members) < 2 and not narrower):
            continue
        for member in members:
            found = extra.setdefault(member, {})
            for other in members:
                if other != member:
                    found[other] = max(found.get(other, 0.0), SYNONYM_WEIGHT)
            for other in narrower:
                found[other] = max(found.get(other, 0.0), NARROWER_WEIGHT)
        if len(members) < 2:
            continue
        index = len(analysed)
        analysed.append(tuple(members))
        for member in members:
            by_member.setdefault(member, index)
    expansions = {
        member: tuple(sorted(found.items(), key=lambda item: (-item[1], item[0])))
        for member, found in extra.items()
        if found
    }
    return SynonymMap(
        groups=tuple(analysed), by_member=by_member, words=tuple(sorted(words)), expansions=expansions
    )


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
    groups = [s.terms for s in db.session.scalars(select(SearchSynonym).order_by(SearchSynonym.id))]
    mapping = build_map(groups)
    with _cache_lock:
        _cache[key] = (version, mapping)
    return mapping
