"""Relevance benchmark: the judged query set (bench/relevance/judgments.toml) over the demo corpus.

    .venv/bin/python bench/relevance.py [--pg postgresql://postgres@127.0.0.1:5432/postgres | --pg ''] [-v]

Builds the demo corpus the way `make run` does (reference data, `flask seed demo`, the shipped synonyms,
`flask search reindex`) in a throwaway SQLite database, adds one private feedback message (words that must
never be found), and runs every judged query through the real search service as a visitor (the page's
`queries.search`), at practice level: a matching measurement counts for its practice, each practice once.
Prints nDCG@10, recall@10 and MRR overall and per category.

With --pg (default: the local server), the same practices are loaded into a throwaway PostgreSQL database
(tsvector with the 'dutch' configuration: title A, summary B, body, target group and measurements D) and the
same queries run there (websearch_to_tsquery, published only, ranked by ts_rank_cd), for comparison.

tests/search/test_relevance.py imports this file and holds the engine to the figures it reaches.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

JUDGMENTS = ROOT / "bench" / "relevance" / "judgments.toml"
CATEGORIES = (
    "plurals",
    "compounds",
    "typos",
    "synonyms",
    "phrases",
    "abbreviations",
    "questions",
    "nothing",
)
K = 10
# Private coaching feedback on a published practice: its words are never indexed, so never found.
FEEDBACK_PRACTICE = "demo-001"
FEEDBACK_TEXT = (
    "Vertrouwelijk: de zwaluwstaartmethode van de coördinator werkt nog niet; bespreek de kersenboomlijst "
    "in het volgende coachgesprek."
)


@dataclass(frozen=True)
class Judgment:
    q: str
    category: str
    relevant: tuple[str, ...]  # external ids of the demo practices that must be found (empty: nothing)
    note: str = ""


def load_judgments(path: Path = JUDGMENTS) -> list[Judgment]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out = []
    for i, item in enumerate(data["query"]):
        category = item["category"]
        if category not in CATEGORIES:
            raise ValueError(f"query {i} ({item.get('q')!r}): unknown category {category!r}")
        relevant = tuple(item.get("find", []))
        if (category == "nothing") != (not relevant):
            raise ValueError(f"query {i} ({item['q']!r}): 'nothing' queries, and only they, find nothing")
        out.append(Judgment(q=item["q"], category=category, relevant=relevant, note=item.get("note", "")))
    return out


# ------------------------------------------------------------------------------------------------ metrics


def scores(ranked: list[str], relevant: tuple[str, ...], k: int = K) -> tuple[float, float, float]:
    """(nDCG@k, recall@k, reciprocal rank) of a ranking with binary relevance.

    A query that must find nothing scores 1 on all three when nothing is returned, else 0.
    """
    top = ranked[:k]
    if not relevant:
        ok = 1.0 if not top else 0.0
        return ok, ok, ok
    wanted = set(relevant)
    dcg = sum(1.0 / math.log2(i + 2) for i, key in enumerate(top) if key in wanted)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(wanted), k)))
    recall = len(wanted & set(top)) / len(wanted)
    rr = next((1.0 / (i + 1) for i, key in enumerate(top) if key in wanted), 0.0)
    return dcg / ideal, recall, rr


@dataclass
class Table:
    """Mean scores per category and overall."""

    rows: dict[str, tuple[float, float, float, int]]

    @property
    def overall(self) -> tuple[float, float, float, int]:
        return self.rows["overall"]


def evaluate(judgments: list[Judgment], ranking: Callable[[str], list[str]]) -> tuple[Table, dict]:
    per_query = {}
    buckets: dict[str, list[tuple[float, float, float]]] = {}
    for j in judgments:
        ranked = ranking(j.q)
        s = scores(ranked, j.relevant)
        per_query[j.q] = (s, ranked[:K])
        buckets.setdefault(j.category, []).append(s)
        buckets.setdefault("overall", []).append(s)
    rows = {}
    for name in (*CATEGORIES, "overall"):
        values = buckets.get(name, [])
        if values:
            n = len(values)
            rows[name] = tuple(sum(v[i] for v in values) / n for i in range(3)) + (n,)
    return Table(rows), per_query


def format_tables(tables: dict[str, Table]) -> str:
    names = list(tables)
    head = f"{'category':<14}{'n':>4}  " + "  ".join(
        f"{n + ' nDCG@10':>16}{'R@10':>7}{'MRR':>7}" for n in names
    )
    lines = [head, "-" * len(head)]
    for cat in (*CATEGORIES, "overall"):
        first = tables[names[0]].rows.get(cat)
        if first is None:
            continue
        cells = []
        for n in names:
            nd, rc, mrr, _ = tables[n].rows[cat]
            cells.append(f"{nd:>16.3f}{rc:>7.3f}{mrr:>7.3f}")
        lines.append(f"{cat:<14}{first[3]:>4}  " + "  ".join(cells))
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------- the corpus


def demo_app(base: Path, database_url: str | None = None):
    """The app with reference data, the demo corpus, the shipped synonyms, a private feedback message and a
    built index (as `make run` builds it)."""
    from sqlalchemy import select

    from exchange import create_app
    from exchange.accounts.models import Role, User
    from exchange.extensions import db
    from exchange.practices.models import Practice
    from exchange.practices.services import post_feedback
    from exchange.reference.seeding import load_reference, read_reference_file
    from exchange.search import synonyms
    from exchange.seed.services import load_demo, read_demo_file

    app = create_app(
        "config.TestConfig",
        INSTANCE_PATH=str(base / "instance"),
        SQLALCHEMY_DATABASE_URI=database_url or f"sqlite:///{base / 'relevance.db'}",
        SEARCH_INDEX_DIR=str(base / "search-index"),
        MAIL_FOLDER=str(base / "mail"),
        SEARCH_INDEX_PROCS=1,
    )
    with app.app_context():
        db.create_all()
        load_reference(read_reference_file())
        load_demo(read_demo_file())
        synonyms.load_defaults()
        db.session.commit()
        practice = db.session.scalar(select(Practice).where(Practice.external_id == FEEDBACK_PRACTICE))
        staff = db.session.scalar(
            select(User).where(User.role == Role.STAFF, User.region_id == practice.region_id)
        )
        post_feedback(staff, practice, FEEDBACK_TEXT)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["search", "reindex", "--procs", "1"])
    if result.exit_code != 0:
        raise RuntimeError(f"flask search reindex failed: {result.output} {result.exception!r}")
    return app


def engine_ranking(app) -> Callable[[str], list[str]]:
    """Practice keys (external ids) in the order the search page shows them to a visitor."""
    from sqlalchemy import select

    from exchange.extensions import db
    from exchange.practices.models import Practice, Result
    from exchange.search import queries
    from exchange.search.parsing import SearchRequest

    with app.app_context():
        keys = dict(db.session.execute(select(Practice.id, Practice.external_id)).all())
        parents = dict(db.session.execute(select(Result.id, Result.practice_id)).all())

    def rank(q: str) -> list[str]:
        with app.test_request_context("/zoeken"):
            # As the search page asks since issue 14: one card per practice, a confident correction that runs
            # when nothing is found, the most-words fallback for questions.
            outcome = queries.search(None, SearchRequest(q=q, per_page=50), grouped=True)
        out: list[str] = []
        for hit in outcome.hits:
            practice_id = {"practice": hit.id, "result": parents.get(hit.id)}.get(hit.kind)
            key = keys.get(practice_id)
            if key and key not in out:
                out.append(key)
        return out

    return rank


class PostgresFTS:
    """The same practices in PostgreSQL full text search ('dutch'), published only, ranked by ts_rank_cd."""

    def __init__(self, app, url: str):
        import psycopg

        self.psycopg = psycopg
        self.admin_url = url
        self.name = f"jk_i14_relevance_fts_{int(time.time())}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        self.conn = psycopg.connect(f"{url.rsplit('/', 1)[0]}/{self.name}", autocommit=True)
        self.conn.execute("""
            CREATE TABLE practice (
                key text PRIMARY KEY, status text NOT NULL, title text, summary text, rest text,
                tsv tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('dutch', coalesce(title, '')), 'A')
                    || setweight(to_tsvector('dutch', coalesce(summary, '')), 'B')
                    || setweight(to_tsvector('dutch', coalesce(rest, '')), 'D')
                ) STORED
            )""")
        self._load(app)
        self.conn.execute("CREATE INDEX practice_tsv ON practice USING gin (tsv)")

    def _load(self, app) -> None:
        from sqlalchemy import select

        from exchange.extensions import db
        from exchange.markdown import markdown_to_text
        from exchange.practices.models import Practice, Status

        with app.app_context():
            rows = []
            for p in db.session.scalars(select(Practice).where(Practice.status != Status.ARCHIVED)):
                measurements = " ".join(
                    f"{r.indicator} {markdown_to_text(r.narrative or '')}" for r in p.results
                )
                rest = "\n".join(x for x in (markdown_to_text(p.body), p.target_group, measurements) if x)
                rows.append((p.external_id, p.status.value, p.title, p.summary, rest))
        with self.conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO practice (key, status, title, summary, rest) VALUES (%s, %s, %s, %s, %s)", rows
            )

    def rank(self, q: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT key FROM practice, websearch_to_tsquery('dutch', %s) AS q "
            "WHERE status = 'published' AND tsv @@ q ORDER BY ts_rank_cd(tsv, q) DESC, key LIMIT %s",
            (q, K),
        ).fetchall()
        return [r[0] for r in rows]

    def close(self) -> None:
        self.conn.close()
        with self.psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--pg",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL server for the full-text comparison ('' to skip)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print every query's top 10")
    args = parser.parse_args(argv)
    judgments = load_judgments()
    with tempfile.TemporaryDirectory(prefix="jk-relevance-") as tmp:
        t0 = time.perf_counter()
        app = demo_app(Path(tmp))
        print(f"corpus and index built in {time.perf_counter() - t0:.1f} s; {len(judgments)} judged queries")
        tables: dict[str, Table] = {}
        details: dict[str, dict] = {}
        tables["engine"], details["engine"] = evaluate(judgments, engine_ranking(app))
        fts = None
        if args.pg:
            fts = PostgresFTS(app, args.pg)
            try:
                tables["postgres"], details["postgres"] = evaluate(judgments, fts.rank)
            finally:
                fts.close()
        print(format_tables(tables))
        if args.verbose:
            for j in judgments:
                for name, per_query in details.items():
                    (nd, rc, _rr), top = per_query[j.q]
                    mark = "  " if nd >= 0.999 else "!!"
                    print(
                        f"{mark} [{j.category}] {j.q!r} {name}: nDCG {nd:.2f} R {rc:.2f} -> {' '.join(top)}"
                    )
                    if mark == "!!":
                        missing = [k for k in j.relevant if k not in top]
                        print(f"     want {' '.join(j.relevant)}; missing {' '.join(missing)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
