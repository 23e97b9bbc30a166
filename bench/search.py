"""Search benchmark: our Whoosh engine against PostgreSQL full text search on the same synthetic Dutch corpus.

    .venv/bin/python bench/search.py --sizes 10000,100000

For each size it generates N practices (realistic Dutch youth-care text, 42 regions, 16 themes, Markdown
bodies, a long tail of rare words), builds the index the way `flask search reindex` does (the same document
code, Markdown to plain text included, `--procs` indexing processes), then runs a fixed set of realistic
searches the way the search page does (parse, synonyms, exact total, seven disjunctive facets, a page of 10,
highlighted snippets, a spelling suggestion when results are few) and reports p50/p95. In the same run it
loads the corpus into a throwaway PostgreSQL database (tsvector with the 'dutch' configuration, GIN index),
runs the same searches there (count, the same facets with GROUP BY, top 10 by ts_rank_cd, ts_headline
snippets) and prints both with their ratio. It also times a single save (outbox row -> commit -> visible in
search) with the real application on SQLite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REFERENCE = ROOT / "exchange" / "reference" / "data" / "reference-data.json"

# ------------------------------------------------------------------------------------------- the corpus

TOPICS = [
    "thuiszitters",
    "wachtlijsten",
    "pleegzorg",
    "gezinshuizen",
    "jeugdbescherming",
    "huiselijk geweld",
    "kindermishandeling",
    "schoolverzuim",
    "passend onderwijs",
    "de overgang naar volwassenheid",
    "verlengde jeugdhulp",
    "ambulantisering",
    "residentiële jeugdhulp",
    "gesloten jeugdhulp",
    "de lokale teams",
    "de integrale toegang",
    "meerjarige inkoop",
    "contractering",
    "sturen op outcome",
    "monitoring",
    "vakmanschap",
    "professionalisering",
    "LVB-jongeren",
    "jongeren met een licht verstandelijke beperking",
    "de JIM-aanpak",
    "sociale netwerkstrategieën",
    "de POH-jeugd",
    "samenwerking met huisartsen",
    "crisisopvang",
    "het expertteam",
    "regionale coördinatie",
    "casusregie",
    "dagbesteding",
    "specialistische ggz",
    "preventie",
    "vroegsignalering",
    "scheidingen",
    "ouderschap",
    "zelfstandig wonen",
    "woonvoorzieningen",
    "de wachttijd",
    "de doorlooptijd",
    "maatwerk",
    "het toekomstplan",
]
ACTORS = [
    "jeugdhulpverleners",
    "jeugdhulpaanbieders",
    "wijkteams",
    "huisartsen",
    "scholen",
    "leerplichtambtenaren",
    "gemeenten",
    "de Raad voor de Kinderbescherming",
    "gecertificeerde instellingen",
    "pleegouders",
    "gezinshuisouders",
    "praktijkondersteuners",
    "zorgaanbieders",
    "ouders",
    "jongeren",
    "mentoren",
    "jeugdartsen",
    "de GGD",
    "het samenwerkingsverband",
    "beleidsmedewerkers",
    "contractmanagers",
    "het Veilig Thuis-team",
    "ervaringsdeskundigen",
    "coördinatoren",
    "kinderen en gezinnen",
]
GROUPS = [
    "gezinnen",
    "kinderen",
    "jongeren",
    "jongvolwassenen",
    "ouders",
    "pleegkinderen",
    "thuiszitters",
    "LVB-jongeren",
    "jongeren van 16 tot 27 jaar",
    "gezinnen met meervoudige problemen",
    "kinderen in armoede",
    "jeugdigen met complexe zorgvragen",
    "leerlingen",
    "jonge moeders",
]
GOALS = [
    "kortere wachttijden",
    "minder uithuisplaatsingen",
    "betere samenwerking",
    "zo thuis mogelijk opgroeien",
    "snellere hulp",
    "minder thuiszitters",
    "een eenduidige route",
    "betere coördinatie",
    "lagere kosten",
    "meer regie bij ouders",
    "een stabiele plek",
    "duurzame resultaten",
    "betere doorstroom",
    "minder verwijzingen",
]
MEANS = [
    "een vast aanspreekpunt",
    "een gezamenlijke triage",
    "een regionaal expertteam",
    "een doorbraakaanpak",
    "een convenant",
    "intervisie",
    "een leernetwerk",
    "een gezamenlijk dashboard",
    "een casustafel",
    "een wachtlijstaanpak",
    "een meldpunt",
    "een pilot met een praktijkondersteuner",
    "een integraal plan per gezin",
    "het inzetten van een JIM",
    "scholing van professionals",
]
FINDINGS = [
    "de wachttijd met een derde daalde",
    "meer jongeren op school bleven",
    "ouders zich beter gehoord voelden",
    "de samenwerking tussen onderwijs en jeugdhulp verbeterde",
    "het aantal crisisplaatsingen afnam",
    "professionals elkaar sneller wisten te vinden",
    "de kosten per traject gelijk bleven",
    "de doorlooptijd korter werd",
    "het aantal verwijzingen via de huisarts daalde",
    "jongeren vaker een vaste mentor kregen",
    "de coördinatie van zorg duidelijker werd",
]
VERBS = ["verkennen", "ontwerpen", "testen", "evalueren", "opschalen", "borgen", "verbeteren", "meten"]
TITLE_FORMS = [
    "{Topic} in {place}",
    "Aanpak {topic}",
    "Samen werken aan {topic}",
    "{Topic}: {goal}",
    "Pilot {topic} met {actors}",
    "{Actors} en {topic}",
    "Regionale aanpak {topic}",
    "{Topic} voor {group}",
    "Van {topic} naar {goal}",
    "Leren over {topic}",
]
SENTENCES = [
    "{Region} werkt aan {topic} voor {group}.",
    "Het doel is {goal} door {means}.",
    "{Actors} en {actors} maken afspraken over {topic}.",
    "In {year} startte een pilot met {n} {group} in {place}.",
    "We zien dat {finding}.",
    "De {role} ondersteunt {group} bij {topic}.",
    "Na een jaar bleek dat {finding}, vooral in {place}.",
    "Belangrijk was {means}, samen met {actors}.",
    "De regio wil {topic} {verb} en daarna {verb}.",
    "Er waren {n} deelnemers; {rare} en {rare} kwamen vaak terug in de evaluatie.",
    "Knelpunten: {topic}, {topic} en de rol van {actors}.",
    "{Actors} vroegen om {means} rond {topic}.",
]
ROLES = [
    "coördinator",
    "jeugdconsulent",
    "praktijkondersteuner",
    "gedragswetenschapper",
    "mentor",
    "regisseur",
]
SYLLABLES = [
    "ba",
    "be",
    "bi",
    "bo",
    "de",
    "di",
    "do",
    "ge",
    "gi",
    "go",
    "ka",
    "ke",
    "ko",
    "la",
    "le",
    "li",
    "lo",
    "ma",
    "me",
    "mo",
    "na",
    "ne",
    "no",
    "ra",
    "re",
    "ri",
    "ro",
    "sa",
    "se",
    "so",
    "ta",
    "te",
    "ti",
    "to",
    "va",
    "ve",
    "vo",
    "wa",
    "we",
    "zo",
    "zi",
]


def reference() -> dict:
    return json.loads(REFERENCE.read_text())


def _rare_words(rng: random.Random, n: int) -> list[str]:
    words = set()
    while len(words) < n:
        words.add(
            "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 5)))
            + rng.choice(["", "heid", "ing", "en", "er"])
        )
    return sorted(words)


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _fill(rng: random.Random, form: str, ctx: dict) -> str:
    def one(match):
        name = match.group(1)
        if name == "Region":
            return ctx["region_name"]
        if name == "year":
            return str(rng.randint(2016, 2024))
        if name == "n":
            return str(rng.randint(5, 400))
        value = rng.choice(ctx[name.lower()])
        return value[:1].upper() + value[1:] if name[0].isupper() else value

    return _PLACEHOLDER.sub(one, form)


INDICATORS = [
    "Aantal",
    "Wachttijd",
    "Doorlooptijd",
    "Tevredenheid over",
    "Percentage jongeren met",
    "Instroom bij",
    "Uitval bij",
]


def generate(n: int, seed: int = 42, results_per_practice: int = 0) -> list[SimpleNamespace]:
    """N practices as objects shaped like our models (what exchange.search.documents reads), each with on
    average `results_per_practice` results (measurements)."""
    rng = random.Random(seed)
    results: list[SimpleNamespace] = []
    ref = reference()
    regions = [
        SimpleNamespace(
            id=i + 1,
            display_name=r["display_name"],
            name=r["name"],
            province=r["province"],
            municipalities=r["municipalities"],
            slug=r["slug"],
        )
        for i, r in enumerate(ref["regions"])
    ]
    lines = {
        line["number"]: SimpleNamespace(id=line["number"], number=line["number"])
        for line in ref["action_lines"]
    }
    themes = [
        SimpleNamespace(id=i + 1, name=t["name"], slug=t["slug"], action_line=lines.get(t["action_line"]))
        for i, t in enumerate(ref["themes"])
    ]
    phases = list(range(1, len(ref["development_cycle"]) + 1))
    rare = _rare_words(rng, 20000)
    # A Zipf-like long tail: a few rare words are common, most occur a handful of times.
    rare_weighted = [rare[min(int(rng.paretovariate(1.1)) - 1, len(rare) - 1)] for _ in range(5000)] + rare
    places = [m for r in regions for m in r.municipalities]
    base = datetime(2018, 1, 1, tzinfo=UTC)
    out = []
    for i in range(1, n + 1):
        region = rng.choice(regions)
        chosen = rng.sample(themes, rng.choice([1, 1, 2, 2, 3]))
        ctx = {
            "topic": TOPICS,
            "group": GROUPS,
            "goal": GOALS,
            "means": MEANS,
            "finding": FINDINGS,
            "actors": ACTORS,
            "place": region.municipalities or places,
            "role": ROLES,
            "verb": VERBS,
            "rare": rare_weighted,
            "region_name": region.display_name,
        }
        title = _fill(rng, rng.choice(TITLE_FORMS), ctx)[:200]
        summary = " ".join(_fill(rng, rng.choice(SENTENCES), ctx) for _ in range(2))[:500]
        paragraphs = []
        for _ in range(rng.randint(2, 5)):
            sentences = [_fill(rng, rng.choice(SENTENCES), ctx) for _ in range(rng.randint(3, 7))]
            if rng.random() < 0.2:
                sentences[0] = "**" + sentences[0] + "**"
            paragraphs.append(" ".join(sentences))
        if rng.random() < 0.3:
            paragraphs.append("\n".join("- " + _fill(rng, rng.choice(SENTENCES), ctx) for _ in range(3)))
        created = base + timedelta(days=rng.randint(0, 2500), seconds=rng.randint(0, 86400))
        published = created + timedelta(days=rng.randint(0, 60))
        status = "draft" if rng.random() < 0.08 else "published"
        practice = SimpleNamespace(
            id=i,
            title=title,
            summary=summary,
            body="\n\n".join(paragraphs),
            target_group=rng.choice(GROUPS),
            region=region,
            region_id=region.id,
            themes=chosen,
            action_lines=sorted(
                {t.action_line.number: t.action_line for t in chosen if t.action_line}.values(),
                key=lambda x: x.number,
            ),
            phase_id=rng.choice(phases),
            status=status,
            created_at=created,
            published_at=published if status == "published" else None,
            updated_at=published + timedelta(days=rng.randint(0, 400)),
            results=[],
            # The profile (issue 17), filled in for a third of the practices (deterministic, no extra draws).
            age_from=12 if i % 3 == 0 else None,
            age_to=23 if i % 3 == 0 else None,
            evidence_level=("goed-beschreven", "goed-onderbouwd", "")[i % 3],
            participation_level=("", "geraadpleegd", "")[i % 3],
        )
        out.append(practice)
        for _ in range(rng.randint(0, results_per_practice * 2) if results_per_practice else 0):
            practice.results.append(
                SimpleNamespace(
                    id=len(results) + 1,
                    practice=practice,
                    indicator=f"{rng.choice(INDICATORS)} {rng.choice(TOPICS)}"[:200],
                    narrative=_fill(rng, rng.choice(SENTENCES), ctx),
                    phase_id=rng.choice(phases),
                    measured_on=(created + timedelta(days=rng.randint(30, 900))).date(),
                    created_at=created,
                )
            )
            results.append(practice.results[-1])
    return out


# ------------------------------------------------------------------------------------------- the searches

# (label, text, facet filters as URL parameters, sort): what staff type, with the facets they click.
QUERIES = [
    ("one common word", "thuiszitters", {}, "relevantie"),
    ("two words", "jeugdhulp wachtlijst", {}, "relevantie"),
    ("two words, plural", "samenwerking huisartsen", {}, "relevantie"),
    ("word + theme", "pleegzorg", {"thema": ["pleegzorg-gezinshuizen"]}, "relevantie"),
    ("phrase", '"lokale teams"', {}, "relevantie"),
    ("very common word", "jeugdhulp", {}, "relevantie"),
    ("two very common words", "gezinnen kinderen", {}, "relevantie"),
    ("abbreviation + province", "LVB jongeren", {"provincie": ["noord-brabant"]}, "relevantie"),
    ("accent", "coördinatie", {}, "relevantie"),
    ("compound + word", "jeugdhulpaanbieders inkoop", {}, "relevantie"),
    ("newest first", "wachtlijst", {}, "nieuwste"),
    ("browse a region", "", {"regio": ["rotterdam-rijnmond"]}, "nieuwste"),
    ("words + phase + year", "veiligheid jeugdbescherming", {"fase": ["3"], "jaar": ["2021"]}, "relevantie"),
    (
        "words + region + theme",
        "thuiszitters onderwijs",
        {"regio": ["rotterdam-rijnmond"], "thema": ["onderwijs-zorg"]},
        "relevantie",
    ),
    ("misspelt (suggestion)", "thuiszittrs", {}, "relevantie"),
    ("rare words", "ervaringsdeskundigen mentor", {}, "relevantie"),
    ("synonym", "jeugdzorg crisisopvang", {}, "relevantie"),
    (
        "recently updated + 2 facets",
        "gezinnen",
        {"provincie": ["gelderland"], "thema": ["wachtlijstaanpak"]},
        "bijgewerkt",
    ),
]


# Words people type, taken from the corpus's own phrases (so they match), 4+ letters, no stop words.
_COMMON_SOURCES = (TOPICS, ACTORS, GROUPS, GOALS, MEANS, FINDINGS, VERBS, ROLES)
_STOP = {"voor", "naar", "door", "meer", "minder", "zich", "elkaar", "vaker", "sneller", "beter", "betere"}


def common_words() -> list[str]:
    words = set()
    for source in _COMMON_SOURCES:
        for phrase in source:
            for word in re.findall(r"[\w-]+", phrase.lower()):
                if len(word) >= 4 and word not in _STOP and not word.isdigit():
                    words.add(word)
    return sorted(words)


def distinct_queries(count: int = 240, seed: int = 7) -> list[tuple[str, str, dict, str]]:
    """`count` different searches of 1-3 common words, half with one or two facets, none in QUERIES.

    Each is asked once per process: what a real index sees besides the popular searches.
    """
    rng = random.Random(seed)
    ref = reference()
    words = common_words()
    regions = [r["slug"] for r in ref["regions"]]
    from exchange.search.documents import slugify

    provinces = sorted({slugify(r["province"]) for r in ref["regions"]})
    themes = [t["slug"] for t in ref["themes"]]
    facet_choices = [
        lambda: {"regio": [rng.choice(regions)]},
        lambda: {"provincie": [rng.choice(provinces)]},
        lambda: {"thema": [rng.choice(themes)]},
        lambda: {"fase": [str(rng.randint(1, 6))]},
        lambda: {"jaar": [str(rng.randint(2018, 2024))]},
        lambda: {"thema": [rng.choice(themes)], "provincie": [rng.choice(provinces)]},
    ]
    seen = {(text, json.dumps(params, sort_keys=True)) for _, text, params, _ in QUERIES}
    out = []
    while len(out) < count:
        text = " ".join(rng.sample(words, rng.choice([1, 2, 2, 3])))
        params = rng.choice(facet_choices)() if rng.random() < 0.5 else {}
        key = (text, json.dumps(params, sort_keys=True))
        if key in seen:
            continue
        seen.add(key)
        out.append((f"distinct {len(out)}", text, params, "relevantie"))
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


class WhooshBench:
    """The search page's work without the database: parse, synonyms, engine, highlight 10 snippets, suggest."""

    def __init__(self, corpus, path: Path, procs: int, seed: int = 42):
        from exchange.search import documents, engine, synonyms

        self.engine = engine
        self.seed = seed
        self.index = engine.get_index(path)
        self.corpus = corpus
        self.procs = procs
        self.synonyms = synonyms.build_map([t for t, _ in synonyms.DEFAULT_SYNONYMS])
        self.documents = documents
        ref = reference()
        self.region_ids = {r["slug"]: str(i + 1) for i, r in enumerate(ref["regions"])}
        self.theme_ids = {t["slug"]: str(i + 1) for i, t in enumerate(ref["themes"])}
        self.texts: dict[int, str] = {}
        self.result_texts: dict[int, str] = {}
        self.grouped = False

    def build(self) -> tuple[int, float, float] | None:
        """(documents, wall seconds, CPU seconds of this process and its indexing processes); None when the
        index directory already holds this corpus (`--index-dir`: built once, reused)."""
        import resource

        for p in self.corpus:
            # What the page would read back from the database.
            self.texts[p.id] = self.documents.practice_text(p)
            for r in p.results:
                self.result_texts[r.id] = r.narrative
        marker = self.index.path.with_name(self.index.path.name + ".corpus")
        stamp = f"{len(self.corpus)} {self.seed}"
        if self.index.exists() and marker.exists() and marker.read_text() == stamp:
            return None

        def docs():
            for p in self.corpus:
                doc = self.documents.practice_document(p)
                self.texts[p.id] = doc["body"]  # what the page would read back from the database
                yield doc
                for r in p.results:
                    self.result_texts[r.id] = r.narrative
                    yield self.documents.result_document(r)

        cpu0 = time.process_time() + resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
        t0 = time.perf_counter()
        expected = len(self.corpus) + sum(len(p.results) for p in self.corpus)
        count = self.index.rebuild(docs(), procs=self.procs, expected=expected)
        wall = time.perf_counter() - t0
        cpu = time.process_time() + resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - cpu0
        marker.write_text(stamp)
        return count, wall, cpu

    def filters(self, params: dict) -> dict[str, list[str]]:
        names = {
            "regio": "region",
            "provincie": "province",
            "thema": "theme",
            "fase": "phase",
            "jaar": "year",
        }
        out = {}
        for param, values in params.items():
            if param == "regio":
                values = [self.region_ids[v] for v in values]
            elif param == "thema":
                values = [self.theme_ids[v] for v in values]
            out[names[param]] = list(values)
        return out

    def run(self, text: str, params: dict, sort: str) -> tuple[int, int]:
        from exchange.search import learned, parsing, queries, suggestions

        engine = self.engine
        parsed = parsing.parse_query(text)
        compounds = learned.learned_from(self.index) if parsed.words or parsed.phrases else None
        expansion = parsing.expand_query(parsed, self.synonyms, compounds)
        clauses = expansion.clauses
        sort_key = parsing.SORTS[sort]
        if not clauses and sort_key == "relevance":
            sort_key = "date"
        spec = engine.SearchSpec(
            clauses=clauses, weights=expansion.weights, filters=self.filters(params), sort=sort_key, limit=10
        )
        search = self.index.search_grouped if self.grouped else self.index.search
        result = search(spec)
        if self.grouped and parsed.words and result.total == 0:
            # The page runs a confident correction at once (queries.search).
            found = suggestions.correct(parsed, self.index, self.synonyms)
            if found and found.distance <= 1.0:
                again = search(suggestions.corrected_spec(found.text, self.synonyms, spec))
                if again.total:
                    result = again
        if not result.total and len(clauses) >= queries.RELAX_FROM:  # as queries.search: most of the words
            spec.min_match = len(clauses) - max(1, len(clauses) // 3)
            result = search(spec)
        snippets = 0
        for key, _ in result.hits:
            kind, _, ident = key.partition(":")
            ident = int(ident)
            if kind == "result":
                if result.terms:
                    engine.highlight_text(self.result_texts[ident], result.terms)
                snippets += 1
                continue
            practice = self.corpus[ident - 1]
            if result.terms:
                engine.highlight_text(self.texts[ident], result.terms)
                engine.highlight_text(
                    practice.title, result.terms, max_chars=len(practice.title) + 1, fragments=1
                )
                best = result.children.get(key, (0, ""))[1]
                if best:
                    engine.highlight_text(self.result_texts[int(best.partition(":")[2])], result.terms)
            snippets += 1
        # What the search page does when few results are found: suggest, then count the suggestion.
        suggestions.better_query(parsed, self.index, self.synonyms, spec, result.total)
        counts = {name: values for name, values in result.facets.items() if name != "type" and values}
        return result.total, snippets, counts

    def correction_ms(self, rounds: int = 3) -> tuple[float, float, float, int]:
        """(vocabulary build s, p50 ms, p95 ms, words) of correcting misspelt words from the whole vocabulary:
        Dutch slips of common words and typos of rare words that occur only in texts."""
        rng = random.Random(7)
        words = ["thuiszittrs", "jongvolwasenen", "wachtlijts", "pleegzrog", "byzonder", "samenwerkng"]
        rare = sorted({w for p in self.corpus[:2000] for w in re.findall(r"[a-z]{9,}", p.body)})
        for word in rng.sample(rare, min(40, len(rare))):
            i = rng.randrange(1, len(word) - 1)
            words.append(word[:i] + word[i + 1 :])  # a letter missing
        t0 = time.perf_counter()
        self.index.warm_vocabulary()
        built = time.perf_counter() - t0
        times = []
        for _ in range(rounds):
            for word in words:
                t0 = time.perf_counter()
                self.index.correct(word)
                times.append((time.perf_counter() - t0) * 1000)
        return built, percentile(times, 0.5), percentile(times, 0.95), len(words)

    def similar_ms(self, count: int = 20) -> tuple[float, float]:
        """(p50, p95) of 'similar practices from other regions' for `count` practices (the practice page)."""
        times = []
        for practice in self.corpus[:: max(1, len(self.corpus) // count)][:count]:
            doc = self.documents.practice_document(practice)
            t0 = time.perf_counter()
            self.index.similar(
                key=doc["key"],
                text=f"{practice.title}\n{doc['body']}",
                boosts={"theme": [str(t.id) for t in practice.themes], "phase": [str(practice.phase_id)]},
                exclude_filters={"region": [str(practice.region_id)]},
                require={"type": ["practice"]},
                limit=5,
            )
            times.append((time.perf_counter() - t0) * 1000)
        return percentile(times, 0.5), percentile(times, 0.95)

    def save_visible_ms(self, rounds: int = 3) -> list[tuple[float, float]]:
        """A save through the application until a visitor's search finds it: `update_practice` (the service
        behind the edit page) -> commit (outbox row in the same transaction; after the commit the outbox is
        applied to this index) -> `queries.search` (the search page's function). Returns (save and commit ms,
        search ms) per round.

        The database is a throwaway SQLite file with the reference data and the one practice being edited (its
        document replaces practice:1 of the corpus in the index); the index is the whole corpus.
        """
        from exchange import create_app
        from exchange.extensions import db
        from exchange.policy import SYSTEM
        from exchange.practices import services
        from exchange.reference.models import CyclePhase, Region, Theme
        from exchange.reference.seeding import load_reference, read_reference_file
        from exchange.search import changelog
        from exchange.search.models import SearchOutbox
        from exchange.search.parsing import SearchRequest
        from exchange.search.queries import search

        out = []
        with tempfile.TemporaryDirectory(prefix="bench-save-") as tmp:
            app = create_app(
                "config.Config",
                SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/save.db",
                SECRET_KEY=secrets.token_urlsafe(32),
                SEARCH_INDEX_DIR=str(self.index.path),
                SEARCH_WRITER_TIMEOUT=30.0,
            )
            with app.test_request_context("/"):
                db.create_all()
                # Setting up the database is not part of the measurement, and its regions and themes must
                # not enter the corpus's index: nothing is applied until the timed saves.
                app.config["SEARCH_APPLY_ON_COMMIT"] = False
                load_reference(read_reference_file())
                db.session.commit()
                region = db.session.scalars(db.select(Region).order_by(Region.id)).first()
                theme = db.session.scalars(db.select(Theme).order_by(Theme.id)).first()
                phase = db.session.scalars(db.select(CyclePhase).order_by(CyclePhase.position)).first()

                def data(title):
                    return services.PracticeData(
                        title=title, summary="Een samenvatting.", themes=[theme], phase=phase, body="Tekst."
                    )

                practice = services.create_practice(SYSTEM, region, data("Meetpraktijk"))
                db.session.commit()
                services.publish_practice(SYSTEM, practice)
                db.session.commit()
                db.session.execute(db.delete(SearchOutbox))
                db.session.commit()
                # The index keeps the highest change-log sequence it applied (changelog.POSITION_FILE). This
                # throwaway database numbers its changes from 1 again, so an index kept from an earlier run
                # took them for applied ones and the search found nothing ("('zwaluwstaartverbinding', 0)").
                changelog.write_position(self.index.path, changelog.Position())
                app.config["SEARCH_APPLY_ON_COMMIT"] = True
                try:
                    for word in ("zwaluwstaartverbinding", "kraanvogeltrekroute", "mergelgroevewandeling")[
                        :rounds
                    ]:
                        t0 = time.perf_counter()
                        services.update_practice(
                            SYSTEM, practice, data(f"Meetpraktijk {word}"), expected_revision=None
                        )
                        db.session.commit()
                        t1 = time.perf_counter()
                        found = search(None, SearchRequest(q=word)).total
                        t2 = time.perf_counter()
                        assert found == 1, (word, found)
                        out.append(((t1 - t0) * 1000, (t2 - t1) * 1000))
                finally:
                    # Give the index back the corpus's own document (the next run reuses it).
                    original = self.corpus[practice.id - 1]
                    self.index.apply(upserts=[self.documents.practice_document(original)], timeout=30)
                db.session.remove()
        return out


def tsvector_literal(text: str) -> str:
    """Our analyzer's terms and positions of `text` as a PostgreSQL tsvector literal (the index's own terms:
    folded, lemmatised, stemmed, compound parts at their word's position, stop words skipped)."""
    from exchange.search import engine

    positions: dict[str, list[int]] = {}
    for token in engine.dutch_analyzer()(text, positions=True, mode="index"):
        found = positions.setdefault(token.text, [])
        pos = min(token.pos + 1, 16383)  # PostgreSQL counts from 1 and caps positions
        if not found or found[-1] != pos:
            found.append(pos)
    return " ".join(
        "'" + term.replace("\\", "\\\\").replace("'", "''") + "':" + ",".join(map(str, found[:256]))
        for term, found in positions.items()
    )


def tsquery_literal(clauses: list[list[tuple[str, ...]]]) -> str:
    """The engine's clauses as a tsquery: every clause must match, any alternative of it; a phrase is `<->`."""

    def lexeme(term: str) -> str:
        return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"

    return " & ".join(
        "(" + " | ".join("(" + " <-> ".join(lexeme(t) for t in alt) + ")" for alt in clause) + ")"
        for clause in clauses
    )


class PostgresBench:
    """The same corpus and searches in PostgreSQL, with the same matching: the tsvector holds our analyzer's
    terms and positions and the tsquery is built from the same clauses (synonyms, phrases), so totals and facet
    counts must equal the engine's (the run prints any that differ). Facets are counted over (id, facet
    columns) only, never reading titles or bodies; the top 10 by ts_rank, with ts_headline snippets
    ('dutch' configuration on the title and the body) as the page's highlights."""

    def __init__(self, corpus, url: str, synonym_map):
        import psycopg

        self.psycopg = psycopg
        self.corpus = corpus
        self.synonyms = synonym_map
        self.admin_url = url
        self.name = f"bench_search_{int(time.time())}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        base = url.rsplit("/", 1)[0]
        self.conn = psycopg.connect(f"{base}/{self.name}", autocommit=True)
        ref = reference()
        self.region_ids = {r["slug"]: i + 1 for i, r in enumerate(ref["regions"])}
        self.theme_ids = {t["slug"]: i + 1 for i, t in enumerate(ref["themes"])}

    def close(self) -> None:
        self.conn.close()
        with self.psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def build(self, texts: dict[int, str]) -> float:
        from exchange.search import documents
        from exchange.search.documents import slugify, stamp
        from exchange.search.engine.schema import prepare

        t0 = time.perf_counter()
        self.conn.execute("""
            CREATE TABLE practice (
                id integer PRIMARY KEY, title text NOT NULL, body text NOT NULL, status text NOT NULL,
                region_id integer NOT NULL, province text NOT NULL, themes integer[] NOT NULL,
                action_lines integer[] NOT NULL, phase_id integer NOT NULL, year integer NOT NULL,
                date bigint NOT NULL, updated bigint NOT NULL, tsv tsvector NOT NULL
            )""")
        with (
            self.conn.cursor() as cur,
            cur.copy(
                "COPY practice (id, title, body, status, region_id, province, themes, action_lines, "
                "phase_id, year, date, updated, tsv) FROM STDIN"
            ) as copy,
        ):
            for p in self.corpus:
                when = p.published_at or p.created_at
                tsv = tsvector_literal(prepare(documents.practice_document(p))["text"])
                copy.write_row(
                    (
                        p.id,
                        p.title,
                        texts[p.id],
                        p.status,
                        p.region_id,
                        slugify(p.region.province),
                        [t.id for t in p.themes],
                        [x.number for x in p.action_lines],
                        p.phase_id,
                        when.year,
                        stamp(when),
                        stamp(p.updated_at),
                        tsv,
                    )
                )
        self.conn.execute("CREATE INDEX practice_tsv ON practice USING gin (tsv)")
        self.conn.execute("VACUUM ANALYZE practice")
        return time.perf_counter() - t0

    FACETS = {
        "regio": ("region_id::text", "region_id", False),
        "provincie": ("province", "province", False),
        "thema": ("t::text", "themes", True),
        "actielijn": ("a::text", "action_lines", True),
        "fase": ("phase_id::text", "phase_id", False),
        "jaar": ("year::text", "year", False),
    }

    def _condition(self, param: str, values: list, args: list) -> str:
        column = self.FACETS[param][1]
        if param == "regio":
            values = [self.region_ids[v] for v in values]
        elif param == "thema":
            values = [self.theme_ids[v] for v in values]
        elif param in ("fase", "jaar"):
            values = [int(v) for v in values]
        args.append(values)
        cast = "text[]" if param == "provincie" else "int[]"
        if self.FACETS[param][2]:
            return f"{column} && %s::{cast}"
        return f"{column} = ANY(%s::{cast})"

    def run(self, text: str, params: dict, sort: str) -> tuple[int, int]:
        from exchange.search import parsing

        clauses = parsing.build_clauses(parsing.parse_query(text), self.synonyms)
        args: list = []
        match = "status = 'published'"
        if clauses:
            match += " AND tsv @@ %s::tsquery"
            args.append(tsquery_literal(clauses))
        parts = []
        facet_args: list = []
        for param, (value_sql, column, multi) in self.FACETS.items():
            conditions = []
            for other, values in params.items():
                if other != param:
                    conditions.append(self._condition(other, values, facet_args))
            where = " AND ".join(conditions) or "TRUE"
            source = f"base, unnest(base.{column}) AS {value_sql.split('::')[0]}" if multi else "base"
            parts.append(
                f"SELECT '{param}' AS facet, {value_sql} AS value, count(*) FROM {source} WHERE {where} GROUP BY 2"
            )
        count_args: list = []
        all_conditions = " AND ".join(self._condition(p, v, count_args) for p, v in params.items()) or "TRUE"
        columns = "id, region_id, province, themes, action_lines, phase_id, year"
        sql = (
            f"WITH base AS MATERIALIZED (SELECT {columns} FROM practice WHERE {match}) "
            f"SELECT 'total', '', count(*) FROM base WHERE {all_conditions} UNION ALL "
            + " UNION ALL ".join(parts)
        )
        rows = self.conn.execute(sql, args + count_args + facet_args).fetchall()
        total = rows[0][2]
        names = {"regio": "region", "provincie": "province", "thema": "theme", "actielijn": "action_line"}
        names.update({"fase": "phase", "jaar": "year"})
        counts: dict[str, dict[str, int]] = {}
        for facet, value, n in rows[1:]:
            counts.setdefault(names[facet], {})[value] = n
        order = {
            "relevantie": "ts_rank(tsv, %s::tsquery) DESC, id" if clauses else "date DESC, id",
            "nieuwste": "date DESC, id",
            "bijgewerkt": "updated DESC, id",
        }[sort]
        order_args = args[:1] if "%s" in order else []
        top = self.conn.execute(
            f"SELECT id, ts_headline('dutch', body, q, 'MaxFragments=2, MaxWords=35, MinWords=15'), "
            f"ts_headline('dutch', title, q, 'HighlightAll=true') "
            f"FROM (SELECT id, title, body FROM practice WHERE {match} AND {all_conditions} "
            f"ORDER BY {order} LIMIT 10) t, websearch_to_tsquery('dutch', %s) q",
            args + count_args + order_args + [text],
        ).fetchall()
        return total, len(top), counts


def measure(bench, repeat: int) -> dict:
    """Run every search `repeat` times: the first round is cold (caches empty), the others warm."""
    cold, warm, totals, facets = [], [], {}, {}
    for round_ in range(repeat):
        for label, text, params, sort in QUERIES:
            t0 = time.perf_counter()
            total, _, counts = bench.run(text, params, sort)
            ms = (time.perf_counter() - t0) * 1000
            (cold if round_ == 0 else warm).append(ms)
            totals[label] = total
            facets[label] = counts
    return {"cold": cold, "warm": warm or cold, "totals": totals, "facets": facets}


def measure_distinct(bench, queries) -> dict:
    """Every query once (none asked before in this process)."""
    times, totals, facets = [], {}, {}
    for label, text, params, sort in queries:
        t0 = time.perf_counter()
        total, _, counts = bench.run(text, params, sort)
        times.append((time.perf_counter() - t0) * 1000)
        totals[label] = total
        facets[label] = counts
    return {"times": times, "totals": totals, "facets": facets}


def warm_like_a_worker(bench) -> float | None:
    """What a gunicorn worker does before it serves (exchange.search.warmup.warm_app, engine part): warm the
    index, compounds and spelling tables, one search of a common word, then start its watcher. None when the
    engine has no warm-up (before issue 15)."""
    if not hasattr(bench.index, "warm"):
        return None
    from exchange.search.warmup import WARM_CORRECTION, WARM_NOTHING, WARM_QUERY

    t0 = time.perf_counter()
    bench.index.warm()
    if hasattr(bench.index, "swap_hooks"):  # as exchange/search/warmup.py: compounds and spelling, per build
        from exchange.search import learned

        learned.learned_from(bench.index)
        if not hasattr(bench.index, "_makers"):  # before the watcher staged what it derives itself
            bench.index.swap_hooks.append(learned.learned_from)
        bench.index.warm_vocabulary()
    # As warmup.warm_searches: the common word, with a facet, a phrase, a correction and one that finds nothing.
    for text, params in (
        (WARM_QUERY, {}),
        (WARM_QUERY, {"fase": ["3"]}),
        (f'"{WARM_QUERY} voor" jongeren', {}),
        (WARM_CORRECTION, {}),
        (WARM_NOTHING, {}),
    ):
        bench.run(text, params, "relevantie")
    bench.index.watch(0.2)  # as warm_app: once the index is open and warm
    return time.perf_counter() - t0


def _swap_copy(path: Path) -> str:
    """Swap in a copy of the index with a new build id, the way `rebuild` does; returns the new build id."""
    import shutil
    import uuid

    staging = path.with_name(f".{path.name}-build-{uuid.uuid4().hex[:8]}")
    shutil.copytree(path, staging)
    build = uuid.uuid4().hex
    (staging / "BUILD").write_text(build)
    old = path.with_name(f".{path.name}-old-{uuid.uuid4().hex[:8]}")
    path.rename(old)
    staging.rename(path)
    shutil.rmtree(old, ignore_errors=True)
    return build


def cold_child(args) -> int:
    """A fresh process, as a new worker: warm up (if the engine can), time the first searches, then swap in a
    new build and time the first search after it. Prints one JSON line."""
    import marshal

    from exchange.search import documents, engine, parsing, suggestions, synonyms  # noqa: F401 - worker imports

    with open(args.texts, "rb") as f:
        texts, titles, result_texts = marshal.load(f)
    corpus = [SimpleNamespace(title=titles[i]) for i in range(1, len(titles) + 1)]
    bench = WhooshBench(corpus, Path(args.cold_child), procs=1)
    bench.texts, bench.result_texts = texts, result_texts
    bench.grouped = args.grouped  # as the parent searches (the page's grouped search since issue 14)
    queries = json.loads(args.queries)
    out: dict = {"warm_s": warm_like_a_worker(bench)}
    times = []
    for text, params in queries[:-1]:  # in this order: the first is this worker's first search
        t0 = time.perf_counter()
        bench.run(text, params, "relevantie")
        times.append((time.perf_counter() - t0) * 1000)
    out["first_ms"] = times
    build = _swap_copy(bench.index.path)
    t0 = time.perf_counter()
    while getattr(bench.index, "_watching", lambda: False)() and bench.index._build != build:
        if time.perf_counter() - t0 > 120:
            break
        time.sleep(0.05)
    out["swap_wait_s"] = time.perf_counter() - t0
    time.sleep(0.5)
    text, params = queries[-1]
    t0 = time.perf_counter()
    bench.run(text, params, "relevantie")
    out["after_swap_ms"] = (time.perf_counter() - t0) * 1000
    print(json.dumps(out), flush=True)
    if hasattr(bench.index, "stop_watching"):
        bench.index.stop_watching()
    return 0


MAX_COLD_STARTS = 20


def disjoint_queries(queries, count: int) -> list[tuple[str, dict]]:
    """`count` of the queries, no two sharing a term (a word's base form or compound parts, as the index has
    them): a later search then never finds its words' postings already read by an earlier one in the same
    process."""
    from exchange.search.engine.tokenizer import word_forms

    chosen, used = [], set()
    for _, text, params, _ in queries:
        words = {form for word in text.split() for form in word_forms(word, True)}
        if words & used:
            continue
        chosen.append((text, params))
        used |= words
        if len(chosen) == count:
            break
    return chosen


def cold_starts(whoosh, queries, count: int, tmp: str) -> list[dict]:
    """`count` fresh processes (see cold_child). They ask the same `count` queries (no two sharing a word),
    each process starting at another one (process i asks them rotated by i), so every query is once a
    worker's first search and `count - 1` times a later search of a fresh worker: the difference is what
    being first costs, whatever the query. Then each swaps in a new build and asks one more query of its own."""
    import marshal
    import subprocess

    texts_file = Path(tmp) / "texts.marshal"
    with open(texts_file, "wb") as f:
        marshal.dump((whoosh.texts, {p.id: p.title for p in whoosh.corpus}, whoosh.result_texts), f)
    chosen = disjoint_queries(queries, 2 * count)
    if len(chosen) < 2 * count:
        raise SystemExit(
            f"only {len(chosen)} queries share no term; {2 * count} are needed: use fewer --cold-starts"
        )
    shared, after_swap = chosen[:count], chosen[count:]
    out = []
    for i in range(count):
        mine = [*shared[i:], *shared[:i], after_swap[i % len(after_swap)]]
        proc = subprocess.run(
            [
                sys.executable,
                __file__,
                "--cold-child",
                str(whoosh.index.path),
                "--texts",
                str(texts_file),
                "--queries",
                json.dumps(mine),
                *(["--grouped"] if whoosh.grouped else []),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise SystemExit(f"cold-start process failed:\n{proc.stderr}")
        start = json.loads(proc.stdout.strip().splitlines()[-1])
        # Back in query order: start["by_query"][q] is query q's time, start["first"] the index of the first.
        start["by_query"] = [start["first_ms"][(q - i) % count] for q in range(count)]
        start["first"] = i
        out.append(start)
    return out


def first_versus_later(starts: list[dict]) -> tuple[list[float], list[float], list[float]]:
    """Per shared query: its time as a fresh worker's first search, the median of its times as a later search
    of the other fresh workers, and their difference (ms)."""
    firsts, laters, extra = [], [], []
    for q in range(len(starts)):
        first = starts[q]["by_query"][q]
        later = statistics.median(s["by_query"][q] for s in starts if s["first"] != q)
        firsts.append(first)
        laters.append(later)
        extra.append(first - later)
    return firsts, laters, extra


def _pcts(values: list[float]) -> str:
    return " / ".join(f"{percentile(values, p):.1f}" for p in (0.5, 0.95, 0.99))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000", help="corpus sizes, comma-separated")
    parser.add_argument("--procs", type=int, default=2, help="indexing processes")
    parser.add_argument("--repeat", type=int, default=5, help="rounds of the query set (the first is cold)")
    parser.add_argument("--distinct", type=int, default=240, help="distinct queries, each asked once")
    parser.add_argument(
        "--cold-starts",
        type=int,
        default=3,
        help="fresh processes timing their first search (0-20: their queries share no term)",
    )
    parser.add_argument(
        "--index-dir",
        default="",
        help="keep each size's index in this folder and reuse it on the next run (default: build in a temp folder)",
    )
    parser.add_argument(
        "--pg",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL to create the throwaway database in ('' skips PostgreSQL)",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--cold-child", help=argparse.SUPPRESS)
    parser.add_argument("--texts", help=argparse.SUPPRESS)
    parser.add_argument("--queries", help=argparse.SUPPRESS)
    parser.add_argument(
        "--results",
        type=int,
        default=0,
        help="average results (measurements) per practice in the corpus (0: none, as before issue 14)",
    )
    parser.add_argument(
        "--grouped",
        action="store_true",
        help="search as the page does since issue 14: one hit per practice (measurements inside), a "
        "correction that runs when nothing is found; also times corrections from the whole vocabulary",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.cold_starts <= MAX_COLD_STARTS:
        parser.error(
            f"--cold-starts must be 0 to {MAX_COLD_STARTS}: the fresh workers' queries may share no term, "
            f"and the common words give about {2 * MAX_COLD_STARTS} such queries"
        )
    if args.cold_child:
        return cold_child(args)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print(
        f"load average at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}; CPUs: {os.cpu_count()}",
        flush=True,
    )
    distinct = distinct_queries(args.distinct + 40 * args.cold_starts)
    mine, for_children = distinct[: args.distinct], distinct[args.distinct :]
    rows = []
    for n in sizes:
        print(f"\n== {n} practices", flush=True)
        t0 = time.perf_counter()
        corpus = generate(n, seed=args.seed, results_per_practice=args.results)
        print(f"corpus generated in {time.perf_counter() - t0:.1f} s", flush=True)
        with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
            folder = Path(args.index_dir) if args.index_dir else Path(tmp)
            folder.mkdir(parents=True, exist_ok=True)
            whoosh = WhooshBench(corpus, folder / f"index-{n}-r{args.results}", args.procs, seed=args.seed)
            whoosh.grouped = args.grouped
            built = whoosh.build()
            if built:
                count, wall, cpu = built
                print(
                    f"whoosh build: {count} docs in {wall:.1f} s = {count / wall:.0f} docs/s wall "
                    f"({count / cpu:.0f} docs per CPU-second, {args.procs} processes)",
                    flush=True,
                )
            else:
                print(f"whoosh index reused from {whoosh.index.path}", flush=True)
            segments = {f.name.split(".")[0] for f in whoosh.index.path.glob("*.pst")}
            with_impacts = {f.name.split(".")[0] for f in whoosh.index.path.glob("*.imp")}
            print(  # engine/impacts.py: what a never-asked word costs depends on them
                f"segments: {len(segments)}, {len(with_impacts & segments)} with an impact file",
                flush=True,
            )
            starts = cold_starts(whoosh, for_children, args.cold_starts, tmp) if args.cold_starts else []
            if len(starts) >= 2:
                firsts, laters, extra = first_versus_later(starts)
                print(
                    f"first search of a fresh worker ({len(firsts)} queries, each once first and "
                    f"{len(starts) - 1} times later): first p50/p95 {_pcts(firsts)} ms; the same queries as "
                    f"later searches of fresh workers (median each) {_pcts(laters)} ms; first minus later per "
                    f"query: median {statistics.median(extra):+.1f} ms, max {max(extra):+.1f} ms",
                    flush=True,
                )
            for i, start in enumerate(starts):
                warm_s = start["warm_s"]
                print(
                    f"fresh process {i + 1}: warm-up {'none' if warm_s is None else f'{warm_s:.2f} s'}; "
                    f"searches in order {', '.join(f'{ms:.0f}' for ms in start['first_ms'])} ms; "
                    f"first search after an index swap {start['after_swap_ms']:.0f} ms "
                    f"(swap warmed in the background within {start['swap_wait_s']:.1f} s)",
                    flush=True,
                )
            warm_s = warm_like_a_worker(whoosh)
            if warm_s is not None:
                print(f"this process warmed like a worker in {warm_s:.2f} s", flush=True)
            d = measure_distinct(whoosh, mine)
            print(f"distinct ({len(mine)}, each once): p50/p95/p99 {_pcts(d['times'])} ms", flush=True)
            if starts:
                # The fresh workers' first searches against this warm process's distinct searches (issue 15:
                # "no slower than p95"), and the same queries asked here (their words were met before).
                shared = [start["by_query"][start["first"]] for start in starts]
                here = measure_distinct(
                    whoosh,
                    [
                        ("", text, params, "relevantie")
                        for text, params in disjoint_queries(for_children, len(starts))
                    ],
                )["times"]
                print(
                    f"fresh workers' first searches above this process's distinct p95: "
                    f"{sum(ms > percentile(d['times'], 0.95) for ms in shared)} of {len(shared)}; "
                    f"the same queries here: {', '.join(f'{ms:.0f}' for ms in here)} ms "
                    f"(fresh, first: {', '.join(f'{ms:.0f}' for ms in shared)} ms)",
                    flush=True,
                )
            w = measure(whoosh, args.repeat)
            print(
                f"repeated ({len(QUERIES)} x {args.repeat}): warm rounds p50/p95/p99 {_pcts(w['warm'])} ms; "
                f"first round {_pcts(w['cold'])} ms",
                flush=True,
            )
            saves = whoosh.save_visible_ms()
            save_ms = statistics.median(a + b for a, b in saves)
            print(
                "a save visible in search (service, commit, outbox, index, search): "
                + ", ".join(f"{a:.0f} + {b:.0f} ms" for a, b in saves),
                flush=True,
            )
            from exchange.search import learned

            t1 = time.perf_counter()
            compounds = learned.learned_from(whoosh.index)  # what opening the index costs once per worker
            print(
                f"compounds learned from the index vocabulary in {(time.perf_counter() - t1) * 1000:.0f} ms "
                f"({len(compounds.splits)} compounds, {len(compounds.present)} terms)",
                flush=True,
            )
            if args.grouped:
                tables_s, c50, c95, words = whoosh.correction_ms()
                print(
                    f"corrections: vocabulary tables built in {tables_s:.2f} s; a correction p50 {c50:.2f} ms, "
                    f"p95 {c95:.2f} ms ({words} misspelt words x 3)",
                    flush=True,
                )
            whoosh.similar_ms(5)  # first use of the key terms' weights
            sim50, sim95 = whoosh.similar_ms()
            print(f"similar practices: p50 {sim50:.1f} ms, p95 {sim95:.1f} ms (20 practices)", flush=True)
            if hasattr(whoosh.index, "stop_watching"):
                whoosh.index.stop_watching()
            whoosh.index.close()
            p = pd = None
            if args.pg:
                pg = PostgresBench(corpus, args.pg, whoosh.synonyms)
                try:
                    pg_build = pg.build(whoosh.texts)
                    print(f"postgres load + GIN: {pg_build:.1f} s", flush=True)
                    pd = measure_distinct(pg, mine)
                    print(f"postgres distinct: p50/p95/p99 {_pcts(pd['times'])} ms", flush=True)
                    p = measure(pg, args.repeat)
                finally:
                    pg.close()
            for label, _, _, _ in QUERIES:
                line = f"  {label:32} whoosh total {w['totals'][label]:>7}"
                if p:
                    line += f"   postgres total {p['totals'][label]:>7}"
                print(line)
            if p and pd:
                for name, ours, theirs in (("repeated", w, p), ("distinct", d, pd)):
                    totals = [k for k in ours["totals"] if ours["totals"][k] != theirs["totals"][k]]
                    facets = [k for k in ours["facets"] if ours["facets"][k] != theirs["facets"][k]]
                    print(
                        f"{name} queries whose totals differ between the engines: {len(totals)} of "
                        f"{len(ours['totals'])} {totals[:5]}; whose facet counts differ: {len(facets)} {facets[:5]}"
                    )
                    for k in totals[:3]:
                        print(f"    {k}: whoosh {ours['totals'][k]}, postgres {theirs['totals'][k]}")
            rows.append((n, built, save_ms, w, d, p, pd, starts))
    print(
        "\n| practices | build docs/s | save visible | repeated p50/p95/p99 | distinct p50/p95/p99 "
        "| first search in a fresh process (max) | first after a swap (max) | postgres repeated | postgres distinct |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, built, save_ms, w, d, p, pd, starts in rows:
        rate = f"{built[0] / built[1]:.0f}" if built else "reused"
        first = max((s["first_ms"][0] for s in starts), default=float("nan"))
        swap = max((s["after_swap_ms"] for s in starts), default=float("nan"))
        print(
            f"| {n} | {rate} | {save_ms:.0f} ms | {_pcts(w['warm'])} ms | {_pcts(d['times'])} ms | {first:.0f} ms "
            f"| {swap:.0f} ms | {_pcts(p['warm']) + ' ms' if p else '–'} | {_pcts(pd['times']) + ' ms' if pd else '–'} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
