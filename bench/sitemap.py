"""Sitemap benchmark: what /sitemap.xml and /robots.txt cost at N practices (default 100 000).

    .venv/bin/python bench/sitemap.py
    .venv/bin/python bench/sitemap.py --practices 10000 --database-url postgresql+psycopg://postgres@127.0.0.1/b

It loads N generated practices (bench/pages.py's generator and bulk loader, no search index) into a fresh SQLite
file or an empty database, then, in-process through the WSGI app (no HTTP server, so the figures are the app's
own cost): the first /sitemap.xml (a cold build), repeated requests answered from the cache (p50/p99), the first
request after a practice changed (a rebuild), the size and number of parts, and /robots.txt. It prints figures;
it is not a test. It does not measure a crawler's network transfer or a reverse proxy's caching.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--practices", type=int, default=100_000)
    parser.add_argument("--database-url")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    from pages import generate, load_core  # bench/pages.py
    from sqlalchemy import select

    from exchange import create_app
    from exchange.extensions import db
    from exchange.practices.models import Practice, Status
    from exchange.reference.seeding import load_reference, read_reference_file

    workdir = Path(tempfile.mkdtemp(prefix="bench-sitemap-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    app = create_app(
        "config.Config",
        SQLALCHEMY_DATABASE_URI=url,
        SECRET_KEY=secrets.token_urlsafe(32),
        SEARCH_INDEX_DIR=str(workdir / "index"),
        EXTERNAL_URL="https://jeugdkennis.example",
    )
    with app.app_context():
        db.create_all()
        load_reference(read_reference_file())
        db.session.commit()
        started = time.perf_counter()
        load_core(db, generate(args.practices))
        print(f"loaded {args.practices} practices in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
                conn.commit()

    client = app.test_client()

    def timed(path: str) -> tuple[float, bytes]:
        started = time.perf_counter()
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return (time.perf_counter() - started) * 1000, response.data

    cold, body = timed("/sitemap.xml")
    parts = body.count(b"<sitemap>")
    part_bytes = [len(timed(f"/sitemap-{n}.xml")[1]) for n in range(1, parts + 1)]
    warm = sorted(timed("/sitemap.xml")[0] for _ in range(args.requests))
    warm_part = sorted(timed("/sitemap-1.xml")[0] for _ in range(args.requests)) if parts else []
    with app.app_context():
        practice = db.session.scalar(select(Practice).where(Practice.status == Status.PUBLISHED).limit(1))
        practice.title = practice.title + " (bijgewerkt)"
        from exchange.database import utcnow

        practice.updated_at = utcnow()
        db.session.commit()
    after_change, _ = timed("/sitemap.xml")
    robots = sorted(timed("/robots.txt")[0] for _ in range(args.requests))

    def pct(values: list[float], p: float) -> float:
        return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]

    print(f"database: {url.split(':', 1)[0]}, practices: {args.practices}")
    print(
        f"sitemap: {'index of ' + str(parts) + ' parts' if parts else 'one urlset'}, "
        f"{len(body) + sum(part_bytes):,} bytes in all"
    )
    print(f"cold build (first request):     {cold:8.1f} ms")
    print(f"rebuild after a change:         {after_change:8.1f} ms")
    print(f"cached /sitemap.xml p50 / p99:  {statistics.median(warm):8.2f} / {pct(warm, 99):.2f} ms")
    if warm_part:
        print(
            f"cached /sitemap-1.xml p50 / p99:{statistics.median(warm_part):8.2f} / {pct(warm_part, 99):.2f} ms"
        )
    print(f"/robots.txt p50 / p99:          {statistics.median(robots):8.2f} / {pct(robots, 99):.2f} ms")


if __name__ == "__main__":
    main()
