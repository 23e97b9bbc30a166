"""Digest benchmark: `flask digests send` for 10 000 subscribers over 12 themes and a week of new content,
delivered to a real SMTP server (aiosmtpd) on loopback in its own process.

    .venv/bin/python bench/digests.py                          # PostgreSQL throwaway database on 127.0.0.1
    .venv/bin/python bench/digests.py --database-url sqlite    # a fresh SQLite file instead
    .venv/bin/python bench/digests.py --subscribers 2000 --batch-size 250

It creates the schema from the models, loads the reference data, then with bulk INSERTs: a week of content
(practices published in the week, substantial edits of older practices, new results), and N weekly subscribers
each following 1-4 of 12 themes (one in five narrowed to 1-3 regions). It runs the same code as
`flask digests send --frequency weekly` once and prints: total time, messages/s, peak memory (tracemalloc peak
of the send with --tracemalloc, and the process's peak RSS), the number of SQL statements (total, per batch apart from the
one-per-message "sent" mark), every statement the database received per message sent (cursor executions of every
thread and engine by kind, plus COMMIT/ROLLBACK/savepoints, which are no cursor statements), and what the SMTP
server received. A second run shows a repeated invocation
sends nothing. It prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import secrets
import shutil
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def run_sink(port: int, ready, stop, counter, cpu=None) -> None:
    """The SMTP server process: accept everything, count it, keep nothing; report its CPU seconds."""
    from tests.digests.smtp import RecordingHandler, SmtpSink

    handler = RecordingHandler(keep=False)
    with SmtpSink(handler, port=port):
        ready.set()
        while not stop.wait(0.2):
            counter.value = handler.accepted
            if cpu is not None:
                usage = resource.getrusage(resource.RUSAGE_SELF)
                cpu.value = usage.ru_utime + usage.ru_stime
        counter.value = handler.accepted


def make_database(url_arg: str, workdir: Path) -> tuple[str, callable]:
    from sqlalchemy import create_engine, text

    if url_arg == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}", lambda: None
    if url_arg != "postgresql":
        return url_arg, lambda: None
    name = f"bench_digests_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", drop


def load(db, *, subscribers: int, themes_followed: int, period, seed: int = 7) -> dict:
    """Reference data, a week of content in `period`, and the subscribers (bulk INSERTs)."""
    from sqlalchemy import insert, select

    from exchange.digests.models import Frequency, Subscriber, Subscription, new_key, subscription_region
    from exchange.practices.models import Practice, PracticeRevision, Result, Status, practice_theme
    from exchange.reference.models import CyclePhase, Region, Theme
    from exchange.reference.seeding import load_reference, read_reference_file

    rng = random.Random(seed)
    load_reference(read_reference_file())
    db.session.commit()
    themes = list(db.session.scalars(select(Theme).order_by(Theme.position, Theme.id)))[:themes_followed]
    regions = list(db.session.scalars(select(Region)))
    phases = list(db.session.scalars(select(CyclePhase)))
    start, end = period.start, period.end
    week = (end - start).total_seconds()
    before = start - timedelta(days=60)

    def in_week():
        return start + timedelta(seconds=rng.uniform(0, week - 1))

    # 240 practices published in the week, 120 older ones of which 60 get a substantial edit, 150 results.
    rows = []
    for n in range(360):
        new = n < 240
        at = in_week() if new else before
        rows.append(
            {
                "region_id": rng.choice(regions).id,
                "phase_id": rng.choice(phases).id,
                "title": f"Praktijk {n}: {rng.choice(['samen', 'sneller', 'dichtbij', 'thuis'])} {rng.choice(['school', 'wonen', 'werk', 'gezin'])}",
                "summary": "Een regio deelt wat werkt voor jongeren en gezinnen, met wie en met welk resultaat. "
                * 2,
                "body": "",
                "status": Status.PUBLISHED,
                "revision": 1,
                "created_at": at,
                "updated_at": at,
                "published_at": at,
                "target_group": "",
                "contact_name": "",
                "contact_email": "",
                "is_demo": False,
            }
        )
    ids = [
        r[0]
        for r in db.session.execute(
            insert(Practice.__table__).returning(Practice.__table__.c.id, sort_by_parameter_order=True), rows
        )
    ]
    db.session.execute(
        insert(practice_theme),
        [
            {"practice_id": pid, "theme_id": theme.id}
            for pid in ids
            for theme in rng.sample(themes, rng.randint(1, 2))
        ],
    )
    revisions = []
    for index, pid in enumerate(ids):
        snapshot = {
            "title": rows[index]["title"],
            "summary": rows[index]["summary"],
            "body": "",
            "phase": "x",
            "status": "published",
        }
        revisions.append(
            {
                "practice_id": pid,
                "number": 1,
                "created_at": rows[index]["published_at"],
                "note": "",
                "snapshot": snapshot,
            }
        )
        if 240 <= index < 300:
            revisions.append(
                {
                    "practice_id": pid,
                    "number": 2,
                    "created_at": in_week(),
                    "note": "",
                    "snapshot": {**snapshot, "summary": "Flink herschreven."},
                }
            )
    db.session.execute(insert(PracticeRevision.__table__), revisions)
    db.session.execute(
        insert(Result.__table__),
        [
            {
                "practice_id": rng.choice(ids),
                "phase_id": rng.choice(phases).id,
                "indicator": "Thuiszitters",
                "value": rng.randint(1, 200),
                "unit": "jongeren",
                "measured_on": start.date(),
                "narrative": "",
                "created_at": in_week(),
            }
            for _ in range(150)
        ],
    )
    db.session.commit()

    confirmed = start - timedelta(days=30)
    for first in range(0, subscribers, 2000):
        count = min(2000, subscribers - first)
        sub_ids = [
            r[0]
            for r in db.session.execute(
                insert(Subscriber.__table__).returning(
                    Subscriber.__table__.c.id, sort_by_parameter_order=True
                ),
                [
                    {
                        "key": new_key(),
                        "email": f"lezer{first + n}@bench.example",
                        "frequency": Frequency.WEEKLY,
                        "created_at": confirmed,
                        "confirmed_at": confirmed,
                    }
                    for n in range(count)
                ],
            )
        ]
        subscription_rows, narrowed = [], []
        for sid in sub_ids:
            for theme in rng.sample(themes, rng.randint(1, 4)):
                subscription_rows.append(
                    {
                        "subscriber_id": sid,
                        "theme_id": theme.id,
                        "created_at": confirmed,
                        "confirmed_at": confirmed,
                    }
                )
        subscription_ids = [
            r[0]
            for r in db.session.execute(
                insert(Subscription.__table__).returning(
                    Subscription.__table__.c.id, sort_by_parameter_order=True
                ),
                subscription_rows,
            )
        ]
        for subscription_id in subscription_ids:
            if rng.random() < 0.2:
                narrowed += [
                    {"subscription_id": subscription_id, "region_id": r.id}
                    for r in rng.sample(regions, rng.randint(1, 3))
                ]
        if narrowed:
            db.session.execute(insert(subscription_region), narrowed)
        db.session.commit()
    return {"practices": len(ids), "themes": len(themes)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--themes", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--senders", type=int, default=4, help="DIGEST_SENDERS: parallel SMTP connections")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also trace Python allocations during the send (peak heap; makes the send slower)",
    )
    parser.add_argument(
        "--database-url",
        default="postgresql",
        help="'postgresql' (a throwaway database on 127.0.0.1), 'sqlite' (a fresh file) or a URL",
    )
    args = parser.parse_args()

    from sqlalchemy import event

    from exchange import create_app
    from exchange.database import utcnow
    from exchange.digests.models import Frequency
    from exchange.digests.periods import last_completed
    from exchange.digests.sending import send_digests
    from exchange.extensions import db
    from tests.digests.smtp import free_port

    workdir = Path(tempfile.mkdtemp(prefix="bench-digests-"))
    url, drop = make_database(args.database_url, workdir)
    port = free_port()
    ctx = multiprocessing.get_context("spawn")
    ready, stop, received, sink_cpu = ctx.Event(), ctx.Event(), ctx.Value("i", 0), ctx.Value("d", 0.0)
    sink = ctx.Process(target=run_sink, args=(port, ready, stop, received, sink_cpu), daemon=True)
    sink.start()
    try:
        if not ready.wait(20):
            raise SystemExit("the SMTP sink did not start")
        app = create_app(
            "config.Config",
            SECRET_KEY=secrets.token_urlsafe(32),
            INSTANCE_PATH=str(workdir / "instance"),
            SQLALCHEMY_DATABASE_URI=url,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=port,
            MAIL_SUPPRESS_SEND=False,
            DIGEST_BATCH_SIZE=args.batch_size,
            DIGEST_SENDERS=args.senders,
            EXTERNAL_URL="https://jeugdkennis.example",
        )
        now = utcnow()
        period = last_completed(Frequency.WEEKLY, now, app.config["DIGEST_SETTLE"])
        with app.app_context():
            db.create_all()
            t0 = time.perf_counter()
            facts = load(db, subscribers=args.subscribers, themes_followed=args.themes, period=period)
            print(
                f"database: {db.engine.dialect.name} ({url.split('@')[-1]}); {args.senders} senders; "
                f"load average {' '.join(f'{x:.1f}' for x in __import__('os').getloadavg())}"
            )
            print(
                f"loaded {args.subscribers} subscribers over {facts['themes']} themes and "
                f"{facts['practices']} practices in {time.perf_counter() - t0:.1f} s; period {period.label}"
            )

            # Every statement the database receives, from every thread and connection of every engine: cursor
            # executions (executemany counted as one round trip, its rows noted), and the transaction control
            # that is no cursor statement (COMMIT, ROLLBACK, savepoints).
            statements: list[str] = []
            control: Counter = Counter()
            count_lock = threading.Lock()

            def count(conn, cursor, statement, parameters, context, executemany):
                with count_lock:
                    statements.append(statement)

            def counter(kind: str):
                def note(*args, **kwargs):
                    with count_lock:
                        control[kind] += 1

                return note

            listeners = [("before_cursor_execute", count)] + [
                (name, counter(name))
                for name in ("commit", "rollback", "savepoint", "release_savepoint", "rollback_savepoint")
            ]
            engines = list(db.engines.values())
            for engine in engines:
                for name, fn in listeners:
                    event.listen(engine, name, fn)
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            if args.tracemalloc:
                tracemalloc.start()
            sink_cpu_before = sink_cpu.value
            t0, cpu0 = time.perf_counter(), time.process_time()
            report = send_digests(Frequency.WEEKLY, now)
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            peak = tracemalloc.get_traced_memory()[1] if args.tracemalloc else None
            tracemalloc.stop()
            for engine in engines:
                for name, fn in listeners:
                    event.remove(engine, name, fn)
            rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

            summary = report.periods[0]
            marks = sum(
                1
                for s in statements
                if s.lstrip().startswith("UPDATE delivery") and "WHERE delivery.id =" in s
            )
            relaxed = sum(1 for s in statements if "synchronous_commit" in s)
            batches = -(-summary.considered // args.batch_size)
            other = len(statements) - marks - relaxed
            time.sleep(0.5)
            print(
                f"sent {summary.sent} digests ({summary.empty} subscribers had nothing new, {summary.failed} failed, "
                f"{summary.rejected} refused); the SMTP server accepted {received.value}"
            )
            print(
                f"total time {elapsed:.1f} s; {summary.sent / elapsed:.0f} messages/s; CPU used: sender "
                f"{cpu:.1f} s, SMTP server {sink_cpu.value - sink_cpu_before:.1f} s (on {__import__('os').cpu_count()} cores)"
            )
            traced = f"peak Python heap during the send (tracemalloc) {peak / 1e6:.1f} MB; " if peak else ""
            print(
                f"{traced}process peak RSS {rss_after / 1024:.0f} MB (before the send {rss_before / 1024:.0f} MB)"
            )
            print(
                f"SQL statements: {len(statements)} = {marks} 'sent' marks (one per message, committed each)"
                f"{f' + {relaxed} SET LOCAL synchronous_commit' if relaxed else ''} + {other} others for {batches} "
                f"batches of {args.batch_size} ({other / max(batches, 1):.1f} per batch, fixed costs included)"
            )
            kinds = Counter(s.lstrip().split(None, 1)[0].upper() for s in statements if s.strip())
            every = len(statements) + sum(control.values())
            print(
                f"every statement the database received: {every} = {len(statements)} executed "
                f"({', '.join(f'{k} {n}' for k, n in kinds.most_common())}) + transaction control "
                f"({', '.join(f'{k} {n}' for k, n in sorted(control.items())) or 'none'}); "
                f"per message sent: {every / max(summary.sent, 1):.2f} "
                f"(executed {len(statements) / max(summary.sent, 1):.2f}, "
                f"commits {control['commit'] / max(summary.sent, 1):.2f})"
            )

            t0 = time.perf_counter()
            again = send_digests(Frequency.WEEKLY, now + timedelta(minutes=1))
            print(
                f"second run: {sum(p.sent for p in again.periods)} sent, already done: {again.already_done} "
                f"({time.perf_counter() - t0:.2f} s)"
            )
            db.session.remove()
            db.engine.dispose()
    finally:
        stop.set()
        sink.join(10)
        drop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
