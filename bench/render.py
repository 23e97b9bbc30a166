"""Uncached in-process render times of the theme, region and home pages at N practices.

    .venv/bin/python bench/render.py --practices 10000
    .venv/bin/python bench/render.py --practices 100000 --database-url postgresql+psycopg://postgres@127.0.0.1/db
    .venv/bin/python bench/render.py --practices 10000 --profile theme   # cProfile of one page

It loads N generated practices with `bench/pages.py`'s fast loader into a database (a SQLite file kept under
--data, reused when it already holds N practices, or the given empty-or-loaded PostgreSQL database), turns the
visitor cache off (`VISITOR_CACHE_ENTRIES = 0`) and asks each page --repeat times through Flask's test client in
this process. After every request it bumps the data version (as a visible write does), so each request is the
"first request after a change" for the per-process reference cache as well. It prints per page the median and
max wall time, the number of SQL statements and the time spent in them (the rest is Python: views and
templates), and the median CPU time of this process (steadier than wall time on a shared machine; with SQLite
it includes the database's work, with PostgreSQL it does not). It prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from pages import busiest_theme_and_region, generate, load_core, log  # bench/pages.py: the shared fast loader


def prepare(app, n: int) -> tuple[str, str]:
    """Load the reference data and N practices unless the database already holds them; return the theme and
    region slugs with most published practices."""
    from sqlalchemy import func, inspect, select, text

    from exchange.extensions import db
    from exchange.practices.models import Practice
    from exchange.reference.seeding import load_reference, read_reference_file

    with app.app_context():
        db.create_all()
        existing = {i["name"] for i in inspect(db.engine).get_indexes("practice")}
        added = [i for i in Practice.__table__.indexes if i.name not in existing]
        for index in added:  # indexes added to the models since the data was loaded
            index.create(db.engine)
        if added:
            log(f"added {', '.join(i.name for i in added)}; ANALYZE")
            with db.engine.begin() as connection:
                connection.execute(text("ANALYZE"))
        have = db.session.scalar(select(func.count(Practice.id))) or 0
        if have not in (0, n):
            raise SystemExit(f"The database holds {have} practices, not {n}: give another one.")
        if have == 0:
            load_reference(read_reference_file())
            db.session.commit()
            started = time.perf_counter()
            for offset in range(0, n, 10_000):
                items = generate(min(10_000, n - offset), seed=42 + offset)
                for k, item in enumerate(items):  # unique across batches
                    item["external_id"] = f"bench-{offset + k}"
                load_core(db, items)
                log(f"  loaded {min(offset + 10_000, n)}/{n}")
            db.session.execute(text("ANALYZE"))
            db.session.commit()
            log(f"loaded {n} practices in {time.perf_counter() - started:.1f} s")
        (theme, _), (region, _) = busiest_theme_and_region(db)
        return theme, region


class SqlTimer:
    """Counts statements and the time spent executing them (cursor execute to return)."""

    def __init__(self, engine) -> None:
        from sqlalchemy import event

        self.count, self.seconds, self._started = 0, 0.0, 0.0
        self.statements: list[tuple[float, str]] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *args) -> None:
        self._started = time.perf_counter()

    def _after(self, conn, cursor, statement, *args) -> None:
        spent = time.perf_counter() - self._started
        self.count += 1
        self.seconds += spent
        self.statements.append((spent, statement))

    def reset(self) -> None:
        self.count, self.seconds = 0, 0.0
        self.statements = []


def bump(app) -> None:
    from exchange.caching import version
    from exchange.extensions import db

    with app.app_context():
        version.bump(db.session)
        db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--practices", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--data", default=str(ROOT / "instance" / "bench-render"), help="folder of SQLite files"
    )
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--profile", choices=["home", "theme", "region"], default=None)
    parser.add_argument("--slowest", choices=["home", "theme", "region"], default=None, help="print its SQL")
    args = parser.parse_args()

    from exchange import create_app
    from exchange.extensions import db

    data = Path(args.data)
    data.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{data / f'render-{args.practices}.sqlite'}"
    app = create_app(
        "config.Config",
        SQLALCHEMY_DATABASE_URI=url,
        SECRET_KEY=secrets.token_urlsafe(32),
        SEARCH_INDEX_DIR=str(data / "index"),
        VISITOR_CACHE_ENTRIES=0,
    )
    theme, region = prepare(app, args.practices)
    pages = {"home": "/", "theme": f"/themas/{theme}", "region": f"/regios/{region}"}
    with app.app_context():
        timer = SqlTimer(db.engine)
    client = app.test_client()
    for path in pages.values():  # warm: templates compiled, connections open
        assert client.get(path).status_code == 200, path
    if args.slowest:
        bump(app)
        client.get(pages[args.slowest])
        timer.reset()
        client.get(pages[args.slowest])
        for spent, statement in sorted(timer.statements, reverse=True)[:12]:
            print(f"{spent * 1000:7.1f} ms  {' '.join(statement.split())[:600]}")
        return
    if args.profile:
        bump(app)
        profiler = cProfile.Profile()
        profiler.enable()
        client.get(pages[args.profile])
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return
    print(f"{args.practices} practices, {url.split(':')[0]}, uncached, {args.repeat} requests per page")
    print(f"{'page':8} {'median ms':>10} {'max ms':>8} {'CPU ms':>8} {'queries':>8} {'SQL ms':>8}")
    for name, path in pages.items():
        times, cpu, sql, counts = [], [], [], []
        for _ in range(args.repeat):
            bump(app)
            timer.reset()
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
            sql.append(timer.seconds * 1000)
            counts.append(timer.count)
        print(
            f"{name:8} {statistics.median(times):10.1f} {max(times):8.1f} {statistics.median(cpu):8.1f} "
            f"{statistics.median(counts):8.0f} {statistics.median(sql):8.1f}"
        )


if __name__ == "__main__":
    main()
