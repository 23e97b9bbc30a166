"""Page benchmark: throughput and p50/p99 latency of the practice pages at N practices, served by gunicorn.

    .venv/bin/python bench/pages.py                      # 10 000 practices, fresh SQLite file, 10 s per page
    .venv/bin/python bench/pages.py --practices 1000 --duration 5
    .venv/bin/python bench/pages.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
    .venv/bin/python bench/pages.py --practices 100000 --keep-data /tmp/bench-100k --pages api,list,cyclemap

It creates the schema (from the models) in a fresh SQLite file (or an empty database given by --database-url),
loads the reference data and N practices with themes, action lines, cycle steps, results and a revision each,
starts gunicorn with 2 workers on a free loopback port (wsgi:app, EXCHANGE_CONFIG=config.Config), warms up,
then sends requests from a few threads for a fixed time (or count) per page and prints requests/s, p50 and p99
latency and the status codes, then `--after-change` rounds of one visible write followed by the first request
of each page (p50 and max per page). It prints figures; it is not a test. gunicorn is stopped whatever happens.

`--keep-data DIR` keeps the SQLite file and the search index in DIR; a later run with the same DIR and
--practices reuses them (loading and indexing 100 000 practices takes many minutes). `--pages` runs a subset.

Loading: by default with bulk core INSERTs (seconds for 10 000 practices). `--loader importer` goes through
`flask practices import`'s code path instead (every row through the services: about 40-50 practices/s on
SQLite here, so about 4 minutes for 10 000); the data is the same either way.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEMO_FILE = ROOT / "exchange" / "seed" / "data" / "demo_practices.json"
PHASES = ["verkennen", "ontwerpen", "uitvoeren", "meten", "leren-en-verbeteren", "delen-en-borgen"]
INDICATORS = [
    ("Aantal thuiszitters", "jongeren", 120, -0.12),
    ("Doelrealisatie (%)", "%", 60, 0.05),
    ("Tevredenheid jongeren (1-10)", "cijfer", 6.4, 0.04),
    ("Wachttijd (weken)", "weken", 18, -0.1),
    ("Uitstroom residentieel", "jongeren", 20, 0.15),
    ("Tevredenheid ouders (1-10)", "cijfer", 6.8, 0.03),
    ("Verwijzingen naar specialistische jeugdhulp", "per kwartaal", 300, -0.06),
]
EXPLANATION = "De vorige fase is afgerond; de regionale stuurgroep heeft besloten de volgende stap te zetten."
# Regions left without any practice, as in the demo data ("regions that have not shared anything yet").
EMPTY_REGIONS = {"JZ03", "JZ05", "JZ09", "JZ10", "JZ15", "JZ20"}
LATEST = date(2025, 9, 30)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------- data


def generate(n: int, seed: int = 42) -> list[dict]:
    """N practices in the import format, built from the demo practices with varied region, themes, path,
    status and result series (dates 2019-2025)."""
    rnd = random.Random(seed)
    templates = json.loads(DEMO_FILE.read_text(encoding="utf-8"))["practices"]
    reference = json.loads(
        (ROOT / "exchange" / "reference" / "data" / "reference-data.json").read_text("utf-8")
    )
    regions = [r["code"] for r in reference["regions"] if r["code"] not in EMPTY_REGIONS]
    themes = [t["slug"] for t in reference["themes"]]
    items = []
    for i in range(n):
        t = templates[i % len(templates)]
        first = rnd.choice([0, 0, 1, 2])
        last = rnd.randint(first, 5)
        path = PHASES[first : last + 1]
        start = date(2019, 1, 1) + timedelta(days=rnd.randint(0, 900))
        steps, when = [], start
        for k, phase in enumerate(path):
            if k:
                when = min(when + timedelta(days=rnd.randint(60, 240)), LATEST)
            steps.append(
                {
                    "from": path[k - 1] if k else None,
                    "to": phase,
                    "date": when.isoformat(),
                    "explanation": EXPLANATION if k else "Start van het praktijkvoorbeeld.",
                }
            )
        status = rnd.choices(["published", "draft", "archived"], weights=[85, 10, 5])[0]
        item_themes = list(t["themes"])
        if rnd.random() < 0.3:
            extra = rnd.choice(themes)
            if extra not in item_themes:
                item_themes.append(extra)
        results = []
        if PHASES.index(path[-1]) >= 2:
            for indicator, unit, base, trend in rnd.sample(INDICATORS, rnd.randint(0, 3)):
                value = base
                day = start + timedelta(days=rnd.randint(60, 200))
                for _ in range(rnd.randint(2, 6)):
                    if day > LATEST:
                        break
                    results.append(
                        {
                            "indicator": indicator,
                            "value": Decimal(str(round(value, 1))),
                            "unit": unit,
                            "baseline": base,
                            "target": None,
                            "measured_on": day.isoformat(),
                            "phase": path[-1],
                            "narrative": "",
                        }
                    )
                    value = value * (1 + trend * rnd.uniform(0.3, 1.2))
                    day += timedelta(days=rnd.randint(90, 200))
        items.append(
            {
                "external_id": f"bench-{i}",
                "region": rnd.choice(regions),
                "title": f"{t['title'][:185]} ({i})",
                "summary": t["summary"],
                "body": t["body"],
                "themes": item_themes,
                "action_lines": t["action_lines"],
                "phase": path[-1],
                "status": status,
                "target_group": t["target_group"],
                "contact": t["contact"],
                "period": {"start": start.isoformat(), "end": None},
                "links": t["links"],
                "created": start.isoformat(),
                "published": (start + timedelta(days=30)).isoformat() if status != "draft" else None,
                "updated": max([steps[-1]["date"]] + [r["measured_on"] for r in results]),
                "cycle_steps": steps,
                "results": results,
            }
        )
    return items


# The tables whose triggers keep `practice_tally` (exchange/practices/tally.py).
TALLY_TABLES = ("practice", "practice_theme", "practice_action_line", "result")


def load_core(db, items: list[dict]) -> None:
    """Insert the practices with bulk core INSERT ... RETURNING (a few statements per 1000 rows).

    On PostgreSQL with the count triggers off, then counted once (`tally.rebuild`), as a restore would: in one
    transaction that moves the same ~100 tally rows a million times, each update steps over the versions the
    transaction left before it (MVCC), and the load slowed down without end (over 20 minutes at 100 000,
    against some 10 before the triggers). SQLite updates in place and loads with the triggers on (34.5 s at
    100 000, 29.3 s without them)."""
    from sqlalchemy import text

    from exchange.practices import tally

    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        for table in TALLY_TABLES:
            db.session.execute(text(f'ALTER TABLE "{table}" DISABLE TRIGGER USER'))
    _load_rows(db, items)
    if postgres:
        for table in TALLY_TABLES:
            db.session.execute(text(f'ALTER TABLE "{table}" ENABLE TRIGGER USER'))
        tally.rebuild(db.session.connection())
        db.session.commit()


def _load_rows(db, items: list[dict]) -> None:
    from sqlalchemy import insert, select

    from exchange.practices.models import (
        CycleStep,
        Practice,
        PracticeLink,
        PracticeRevision,
        Result,
        Status,
        practice_action_line,
        practice_theme,
    )
    from exchange.reference.models import ActionLine, CyclePhase, Region, Theme

    regions = {r.code: r.id for r in db.session.scalars(select(Region))}
    themes = {t.slug: t.id for t in db.session.scalars(select(Theme))}
    lines = {x.number: x.id for x in db.session.scalars(select(ActionLine))}
    phases = {p.slug: p.id for p in db.session.scalars(select(CyclePhase))}

    def at(day: str | None):
        return datetime.fromisoformat(day).replace(tzinfo=UTC) if day else None

    for offset in range(0, len(items), 1000):
        batch = items[offset : offset + 1000]
        rows = [
            {
                "region_id": regions[p["region"]],
                "phase_id": phases[p["phase"]],
                "title": p["title"],
                "summary": p["summary"],
                "body": p["body"],
                "target_group": p["target_group"],
                "contact_name": p["contact"]["name"],
                "contact_email": p["contact"]["email"],
                "period_start": date.fromisoformat(p["period"]["start"]),
                "period_end": None,
                "status": Status(p["status"]),
                "external_id": p["external_id"],
                "is_demo": False,
                "revision": 1,
                "created_at": at(p["created"]),
                "updated_at": at(p["updated"]),
                "published_at": at(p["published"]),
                "archived_at": at(p["updated"]) if p["status"] == "archived" else None,
            }
            for p in batch
        ]
        ids = list(
            db.session.scalars(
                insert(Practice.__table__).returning(Practice.__table__.c.id, sort_by_parameter_order=True),
                rows,
            )
        )
        themes_rows, lines_rows, steps, results, links, revisions = [], [], [], [], [], []
        now = datetime.now(UTC)
        for pid, p in zip(ids, batch):
            themes_rows += [{"practice_id": pid, "theme_id": themes[s]} for s in p["themes"]]
            lines_rows += [{"practice_id": pid, "action_line_id": lines[n]} for n in p["action_lines"]]
            steps += [
                {
                    "practice_id": pid,
                    "from_phase_id": phases[s["from"]] if s["from"] else None,
                    "to_phase_id": phases[s["to"]],
                    "moved_on": date.fromisoformat(s["date"]),
                    "explanation": s["explanation"],
                    "created_at": now,
                }
                for s in p["cycle_steps"]
            ]
            results += [
                {
                    "practice_id": pid,
                    "phase_id": phases[r["phase"]],
                    "indicator": r["indicator"],
                    "value": r["value"],
                    "unit": r["unit"],
                    "baseline": Decimal(str(r["baseline"])),
                    "target": None,
                    "measured_on": date.fromisoformat(r["measured_on"]),
                    "narrative": "",
                    "created_at": at(r["measured_on"]),
                }
                for r in p["results"]
            ]
            links += [
                {"practice_id": pid, "title": x["title"], "url": x["url"], "position": k}
                for k, x in enumerate(p["links"])
            ]
            revisions.append(
                {
                    "practice_id": pid,
                    "number": 1,
                    "created_at": now,
                    "note": "Aangemaakt (bench)",
                    "snapshot": {"title": p["title"], "status": p["status"], "phase": p["phase"]},
                }
            )
        for table, rows in (
            (practice_theme, themes_rows),
            (practice_action_line, lines_rows),
            (CycleStep.__table__, steps),
            (Result.__table__, results),
            (PracticeLink.__table__, links),
            (PracticeRevision.__table__, revisions),
        ):
            if rows:
                db.session.execute(insert(table), rows)
    db.session.commit()


def load_importer(db, items: list[dict]) -> None:
    """Insert the practices through the bulk importer (services, revisions, steps), in one transaction."""
    from exchange.practices.transfer import import_practices

    done = 0

    def progress(n: int) -> None:
        nonlocal done
        done += n
        if done % 1000 == 0:
            log(f"  importer: {done}/{len(items)}")

    import_practices({"format": "jeugdkennis-practices", "version": 1, "practices": items}, progress=progress)
    db.session.commit()


def prepare_database(url: str, n: int, loader: str, index_dir: str, reuse: bool = False) -> dict:
    """Create the schema and load reference data and N practices; return what the pages will be asked for.

    With `reuse`, a database that already holds exactly N practices (and its search index in `index_dir`),
    kept by an earlier run with --keep-data, is used as it is: nothing is loaded or indexed again."""
    from sqlalchemy import func, select, text

    from exchange import create_app
    from exchange.extensions import db
    from exchange.practices.models import CycleStep, Practice, Result, Status
    from exchange.reference.seeding import load_reference, read_reference_file

    app = create_app(
        "config.Config",
        SQLALCHEMY_DATABASE_URI=url,
        SECRET_KEY=secrets.token_urlsafe(32),
        SEARCH_INDEX_DIR=index_dir,
    )
    with app.app_context():
        # A benchmark database, not a production one: the schema comes straight from the models.
        db.create_all()
        held = db.session.scalar(select(func.count(Practice.id)))
        reused = bool(held) and reuse
        if held and not reuse:
            raise SystemExit(
                "The database already holds practices; give an empty one (or none: a fresh SQLite file)."
            )
        if reused:
            if held != n:
                raise SystemExit(
                    f"The kept database holds {held} practices, not {n}: give --practices {held}."
                )
            seconds = 0.0
            staff = _reset_staff_password(db)
        else:
            load_reference(read_reference_file())
            db.session.commit()
            items = generate(n)
            started = time.perf_counter()
            (load_importer if loader == "importer" else load_core)(db, items)
            seconds = time.perf_counter() - started
            # What a deployment's tables look like some minutes after a bulk load: SQLite has its planner
            # statistics (`ANALYZE`); PostgreSQL's autovacuum has vacuumed and analysed the new rows (since
            # PostgreSQL 13 inserts alone trigger it). The vacuum matters: it sets the visibility map, without
            # which the facet counts read the whole practice table (80 MB at 100 000 practices) instead of its
            # narrow covering index: /praktijken's first request after a change took 450 ms, not 175 ms.
            if db.engine.dialect.name == "postgresql":
                db.session.commit()
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                    connection.exec_driver_sql("VACUUM ANALYZE")
            else:
                db.session.execute(text("ANALYZE"))
                db.session.commit()
            staff = _bench_staff(db)
        published = Practice.status == Status.PUBLISHED
        (theme_slug, theme_count), (region_slug, region_count) = busiest_theme_and_region(db)
        with_results = list(
            db.session.scalars(
                select(Practice.id)
                .join(Result, Result.practice_id == Practice.id)
                .where(published)
                .group_by(Practice.id)
                .order_by(func.count().desc(), Practice.id)
                .limit(20)
            )
        )
        return {
            "load_seconds": seconds,
            "practices": db.session.scalar(select(func.count(Practice.id))),
            "published": db.session.scalar(select(func.count(Practice.id)).where(published)),
            "results": db.session.scalar(select(func.count(Result.id))),
            "steps": db.session.scalar(select(func.count(CycleStep.id))),
            "theme": (theme_slug, theme_count),
            "region": (region_slug, region_count),
            "practice_ids": with_results,
            "index_seconds": 0.0 if reused else _build_index(app),
            "staff": staff,
            "reused": reused,
        }


STAFF_EMAIL = "bench-medewerker@bench.jeugdkennis.example"


def _bench_staff(db) -> tuple[str, str]:
    """A regional staff account (no second factor needed for the role) of the region with most practices."""
    from sqlalchemy import func, select

    from exchange.accounts.models import Role
    from exchange.accounts.services.invitations import create_user
    from exchange.policy import SYSTEM
    from exchange.practices.models import Practice
    from exchange.reference.models import Region

    region_id = db.session.scalar(
        select(Practice.region_id).group_by(Practice.region_id).order_by(func.count().desc()).limit(1)
    )
    password = secrets.token_urlsafe(16)
    create_user(
        SYSTEM,
        STAFF_EMAIL,
        Role.STAFF,
        password,
        name="Bench Medewerker",
        region=db.session.get(Region, region_id),
    )
    db.session.commit()
    return STAFF_EMAIL, password


def busiest_theme_and_region(db) -> tuple[tuple[str, int], tuple[str, int]]:
    """(slug, published practices) of the theme and of the region with the most published practices."""
    from sqlalchemy import func, select

    from exchange.practices.models import Practice, Status, practice_theme
    from exchange.reference.models import Region, Theme

    published = Practice.status == Status.PUBLISHED
    theme = db.session.execute(
        select(Theme.slug, func.count())
        .join(practice_theme, practice_theme.c.theme_id == Theme.id)
        .join(Practice, Practice.id == practice_theme.c.practice_id)
        .where(published)
        .group_by(Theme.slug)
        .order_by(func.count().desc())
        .limit(1)
    ).one()
    region = db.session.execute(
        select(Region.slug, func.count())
        .join(Practice, Practice.region_id == Region.id)
        .where(published)
        .group_by(Region.slug)
        .order_by(func.count().desc())
        .limit(1)
    ).one()
    return (theme[0], theme[1]), (region[0], region[1])


def _reset_staff_password(db) -> tuple[str, str]:
    """The bench staff account of a kept database, with a new password (the old one was never stored)."""
    from sqlalchemy import select

    from exchange.accounts.models import User
    from exchange.accounts.passwords import hash_password

    password = secrets.token_urlsafe(16)
    user = db.session.scalar(select(User).where(User.email == STAFF_EMAIL))
    if user is None:
        raise SystemExit(
            f"The kept database has no {STAFF_EMAIL}; start again with an empty --keep-data folder."
        )
    user.password_hash = hash_password(password)
    db.session.commit()
    return STAFF_EMAIL, password


def _build_index(app) -> float:
    """Build the search index the way `make run` does, so /healthz and the pages see a real index."""
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    if result.exit_code != 0:
        raise SystemExit(f"flask search reindex failed: {result.output}")
    return time.perf_counter() - started


# ------------------------------------------------------------------------------------------- serving


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    url: str, port: int, workers: int, index_dir: str, log_path: Path, cache: bool
) -> subprocess.Popen:
    env = dict(
        os.environ,
        VISITOR_CACHE_ENTRIES="2000" if cache else "0",
        COUNTS_CACHE_ENTRIES="256" if cache else "0",
        DATABASE_URL=url,
        SECRET_KEY=secrets.token_urlsafe(32),
        EXCHANGE_CONFIG="config.Config",
        SEARCH_INDEX_DIR=index_dir,
        RATELIMIT_STORAGE_URI="memory://",
        # The API's per-address limit (120/min) would answer 429 to the one client address the bench has.
        API_RATE_LIMIT="100000000 per minute",
        # deploy/gunicorn.conf.py as deployed, but without the access log (a line per request) and without
        # restarting a worker every 5,000 requests (a run sends tens of thousands: it would time warm-ups).
        GUNICORN_ACCESS_LOG="",
        GUNICORN_MAX_REQUESTS="0",
    )
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        str(ROOT / "deploy" / "gunicorn.conf.py"),  # its post_worker_init warms each worker, as deployed
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "120",
        "--log-level",
        "warning",
        "wsgi:app",
    ]
    with open(log_path, "wb") as out:
        # Its own session, so the whole process group (master and workers) can be stopped together.
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    except ProcessLookupError:
        pass


def get(url: str, headers=None) -> tuple[int, float]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, headers=headers or {}), timeout=60
        ) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    except OSError:
        status = 0  # connection refused or reset
    return status, (time.perf_counter() - started) * 1000


def wait_ready(base: str, proc: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(
                f"gunicorn stopped (exit {proc.returncode}):\n{log_path.read_text(errors='replace')[-3000:]}"
            )
        status, _ = get(base + "/healthz")
        if status:
            return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer within {timeout:.0f} s; log: {log_path}")


def hammer(urls: list[str], duration: float, max_requests: int | None, concurrency: int, headers=None):
    """Send requests from `concurrency` threads (round-robin over `urls`) until the time or count is used up.

    Returns the (status, milliseconds) samples and the wall-clock seconds it took."""
    samples: list[tuple[int, float]] = []
    lock = threading.Lock()
    started = time.monotonic()
    deadline = started + duration
    counter = iter(range(10**12))

    def worker() -> None:
        while time.monotonic() < deadline:
            with lock:
                n = next(counter)
            if max_requests is not None and n >= max_requests:
                return
            sample = get(urls[n % len(urls)], headers)
            with lock:
                samples.append(sample)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + 120)
    return samples, time.monotonic() - started


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


@dataclass
class Run:
    requests: int
    rate: float
    p50: float
    p99: float
    statuses: str
    client_cpu: float  # the client's CPU seconds per wall second (1.0 = one core busy)
    load: float  # 1-minute load average when the page started


WRK_SCRIPT = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(base: str, paths: list[str], duration: float, connections: int, headers, tmp: Path) -> Run:
    """One wrk run (one thread, `connections` connections); its CPU time comes from the kernel (wait4)."""
    script = tmp / "paths.lua"
    script.write_text(WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths), encoding="utf-8")
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--latency",
        "-s",
        str(script),
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    load = os.getloadavg()[0]
    started = time.monotonic()
    proc = subprocess.Popen([*command, base], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    output = proc.stdout.read()
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"wrk failed: {output}")
    total = int(re.search(r"(\d+) requests in", output).group(1))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))

    def quantile(q: int) -> float:
        value, unit = re.search(rf"\s{q}%\s+([\d.]+)(us|ms|s)\b", output).groups()
        return float(value) * UNITS[unit]

    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    statuses = f"2xx/3xx: {total - int(bad.group(1)) if bad else total}"
    if bad:
        statuses += f", other: {bad.group(1)}"
    if errors:
        statuses += f", socket errors: {errors.group(1)}"
    return Run(
        total, rate, quantile(50), quantile(99), statuses, (usage.ru_utime + usage.ru_stime) / elapsed, load
    )


def run_threads(base: str, paths: list[str], duration: float, concurrency: int, headers, max_requests) -> Run:
    """The Python client (urllib threads, sharing the GIL and the machine's CPUs with the server)."""
    load = os.getloadavg()[0]
    cpu = time.process_time()
    samples, elapsed = hammer([base + p for p in paths], duration, max_requests, concurrency, headers)
    cpu = (time.process_time() - cpu) / max(elapsed, 1e-9)
    latencies = [ms for _, ms in samples]
    counts = Counter(status for status, _ in samples)
    statuses = ", ".join(f"{code or 'error'}: {n}" for code, n in sorted(counts.items()))
    return Run(
        len(samples),
        len(samples) / max(elapsed, 1e-9),
        percentile(latencies, 50),
        percentile(latencies, 99),
        statuses,
        cpu,
        load,
    )


# The signed-in pages are asked for with the browser the sign-in came from: the same User-Agent. Flask-Login's
# session protection marks a session "not fresh" when the address or User-Agent changes; a browser then keeps
# the new cookie, but a load generator replays the old one, so every request would sign and set a cookie that
# no real browser makes it set.
BENCH_AGENT = "jeugdkennis-bench/1"


def sign_in(base: str, email: str, password: str) -> dict[str, str]:
    """Sign in through the real form; return the headers of the signed-in browser (Cookie and User-Agent)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", BENCH_AGENT)]
    page = opener.open(base + "/inloggen", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    data = urllib.parse.urlencode(
        {"csrf_token": token.group(1), "email": email, "password": password, "next": ""}
    ).encode()
    answer = opener.open(base + "/inloggen", data=data, timeout=30)
    if "/werkruimte" not in answer.geturl():
        raise SystemExit(f"signing in as {email} failed (ended at {answer.geturl()})")
    headers = {"Cookie": "; ".join(f"{c.name}={c.value}" for c in jar), "User-Agent": BENCH_AGENT}
    # What a browser's next request gets: the page, and no new cookie (one on every request would be measured).
    with urllib.request.urlopen(
        urllib.request.Request(base + "/werkruimte", headers=headers), timeout=30
    ) as page:
        page.read()
        if page.headers.get("Set-Cookie"):
            raise SystemExit("the workspace sets a cookie on every request of the signed-in browser")
    return headers


CHANGES = {
    "text": "a new summary",
    "count": "a move to the next phase",
    "all": "a move to another region",
}


def touch_practice(url: str, index_dir: str, practice_id: int, round_: int, change: str = "text") -> None:
    """A visible write through the ORM (raises the data version), as an edit would, applied to the search index
    after the commit as the application does. "text": a new summary, never one written before (a kept database
    keeps the summaries of earlier runs; an unchanged value raises nothing); it moves no count, so the counts
    kept for visitors stay (`caching.counts`). "count": the practice moves on to the next phase of the cycle,
    which moves the counts that depend on phases (those that do not stay kept). "all": the practice moves to
    another region, which moves every count, so all are computed again."""
    from sqlalchemy import select

    from exchange import create_app
    from exchange.extensions import db
    from exchange.practices.models import Practice
    from exchange.reference.models import CyclePhase, Region

    app = create_app(
        "config.Config",
        SQLALCHEMY_DATABASE_URI=url,
        SECRET_KEY=secrets.token_urlsafe(32),
        SEARCH_INDEX_DIR=index_dir,
    )
    with app.app_context():
        practice = db.session.get(Practice, practice_id)
        if change == "count":
            phases = list(db.session.scalars(select(CyclePhase.id).order_by(CyclePhase.position)))
            practice.phase_id = phases[(phases.index(practice.phase_id) + 1) % len(phases)]
        elif change == "all":
            regions = list(db.session.scalars(select(Region.id).order_by(Region.id)))
            practice.region_id = regions[(regions.index(practice.region_id) + 1) % len(regions)]
        else:
            practice.summary = f"{practice.summary.split(' [bench')[0]} [bench {round_} {time.time_ns()}]"
        db.session.commit()
        db.engine.dispose()


# ------------------------------------------------------------------------------------------- main


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


# The names --pages takes (the /livez runs, first and last, always run: they are the floor of the ratios).
PAGE_KEYS = (
    "home",
    "theme",
    "region",
    "cyclemap",
    "practice",
    "list",
    "search",
    "api",
    "workspace",
    "healthz",
)
SEARCHES = [
    "jeugd",
    "wachtlijst",
    "school",
    "pleegzorg",
    "thuiszitters",
    "ouders",
    "gezin",
    "wonen",
    "jongeren zorg",
    "lokale teams",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--practices", type=int, default=10_000, help="number of practices (default 10000)")
    parser.add_argument(
        "--database-url", help="an empty database (default: a fresh SQLite file in a temp dir)"
    )
    parser.add_argument(
        "--loader", choices=["core", "importer"], default="core", help="how to load (default core)"
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per page (default 10)")
    parser.add_argument("--requests", type=int, default=None, help="threads client: stop after N requests")
    parser.add_argument("--concurrency", type=int, default=4, help="connections / client threads (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--client",
        choices=["wrk", "threads"],
        default="wrk" if shutil.which("wrk") else "threads",
        help="load generator: wrk (default when installed) or Python threads",
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="serve with the visitor cache and the kept counts off"
    )
    parser.add_argument(
        "--change",
        choices=["text", "count", "all"],
        default="text",
        help="the write of --after-change: a new summary (text, the default), a move to the next phase (count: "
        "the counts that depend on phases are computed again) or to another region (all: every count is)",
    )
    parser.add_argument(
        "--after-change",
        type=int,
        default=3,
        help="rounds of 'one write, then the first request of each page' (reported as p50 / max per page)",
    )
    parser.add_argument(
        "--keep-data",
        metavar="DIR",
        help="keep the SQLite file and search index in DIR and reuse them when DIR already holds them "
        "(with --database-url: the database is reused when it holds --practices practices, the index lives in DIR)",
    )
    parser.add_argument(
        "--pages",
        help=f"comma-separated subset of the pages to run: {', '.join(PAGE_KEYS)} "
        "(/livez runs first and last whatever is chosen)",
    )
    args = parser.parse_args()
    if args.practices < 1 or args.concurrency < 1 or args.concurrency > 32 or args.duration <= 0:
        parser.error("--practices >= 1, --concurrency 1..32 and --duration > 0")
    chosen = (
        set(PAGE_KEYS) if not args.pages else {key.strip() for key in args.pages.split(",") if key.strip()}
    )
    if chosen - set(PAGE_KEYS):
        parser.error(
            f"unknown page(s) {', '.join(sorted(chosen - set(PAGE_KEYS)))}; use {', '.join(PAGE_KEYS)}"
        )

    # SIGTERM (e.g. from a CI timeout) takes the same path as Ctrl-C, so `finally` stops gunicorn.
    signal.signal(signal.SIGTERM, _interrupt)
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        tmp_path = Path(tmp)
        data_path = Path(args.keep_data).resolve() if args.keep_data else tmp_path
        data_path.mkdir(parents=True, exist_ok=True)
        url = args.database_url or f"sqlite:///{data_path / 'bench.db'}"
        index_dir = str(data_path / "search-index")
        reuse = bool(args.keep_data) and Path(index_dir).is_dir()
        shown = (
            url.split("@")[-1]
            if args.database_url
            else ("kept SQLite file" if reuse else "fresh SQLite file")
        )
        log(
            f"{'Reusing' if reuse else 'Loading'} {args.practices} practices in {shown} ({args.loader} loader) ..."
        )
        facts = prepare_database(url, args.practices, args.loader, index_dir, reuse=reuse)
        log(
            f"{'Reused' if facts['reused'] else 'Loaded'} in {facts['load_seconds']:.1f} s: {facts['practices']} "
            f"practices ({facts['published']} published), {facts['results']} results, {facts['steps']} cycle "
            f"steps; search index built in {facts['index_seconds']:.1f} s."
        )

        theme, theme_n = facts["theme"]
        region, region_n = facts["region"]
        ids = facts["practice_ids"] or [1]
        all_visitor_pages = [
            ("home", "home page /", ["/"]),
            ("theme", f"theme page /themas/{theme} ({theme_n} published)", [f"/themas/{theme}"]),
            ("region", f"region page /regios/{region} ({region_n} published)", [f"/regios/{region}"]),
            (
                "cyclemap",
                f"cycle map /ontwikkelcirkel/kaart?thema={theme}",
                [f"/ontwikkelcirkel/kaart?thema={theme}"],
            ),
            (
                "practice",
                f"practice page /praktijken/<id> ({len(ids)} ids)",
                [f"/praktijken/{i}" for i in ids],
            ),
            ("list", "list /praktijken (25 per page)", ["/praktijken"]),
            (
                "search",
                f"search /zoeken?q=... ({len(SEARCHES)} queries)",
                [f"/zoeken?{urllib.parse.urlencode({'q': q})}" for q in SEARCHES],
            ),
            (
                "api",
                f"API /api/v1/practices?theme={theme}&per_page=100",
                [f"/api/v1/practices?theme={theme}&per_page=100"],
            ),
        ]
        visitor_pages = [(label, paths) for key, label, paths in all_visitor_pages if key in chosen]
        pages = [
            ("/livez (liveness, first)", ["/livez"], False),
            *[(label, paths, False) for label, paths in visitor_pages],
            *(
                [("workspace /werkruimte (signed in, staff)", ["/werkruimte"], True)]
                if "workspace" in chosen
                else []
            ),
            *([("/healthz (deep check)", ["/healthz"], False)] if "healthz" in chosen else []),
            ("/livez (liveness, last)", ["/livez"], False),
        ]
        proc = None
        rows: list[tuple[str, Run]] = []
        after: list[tuple[str, list[float]]] = []
        try:
            port = free_port()
            log_path = tmp_path / "gunicorn.log"
            proc = start_gunicorn(url, port, args.workers, index_dir, log_path, cache=not args.no_cache)
            base = f"http://127.0.0.1:{port}"
            wait_ready(base, proc, log_path)
            cookie = sign_in(base, *facts["staff"])
            log(f"gunicorn ({args.workers} workers) on {base}; warming up ...")
            for _, paths, signed_in in pages:
                hammer(
                    [base + p for p in paths],
                    duration=30,
                    max_requests=2 * args.workers * len(paths),
                    concurrency=args.workers,
                    headers=cookie if signed_in else None,
                )
            for label, paths, signed_in in pages:
                log(f"  {label} ...")
                headers = cookie if signed_in else None
                if args.client == "wrk":
                    run = run_wrk(base, paths, args.duration, args.concurrency, headers, tmp_path)
                else:
                    run = run_threads(base, paths, args.duration, args.concurrency, headers, args.requests)
                rows.append((label, run))
            # Every page run but the two liveness runs and the deep check, each with its first path.
            firsts = [
                (label, paths[0], signed_in)
                for label, paths, signed_in in pages
                if paths[0] not in ("/livez", "/healthz")
            ]
            for round_ in range(args.after_change):
                touch_practice(url, index_dir, ids[round_ % len(ids)], round_, args.change)
                for label, path, signed_in in firsts:
                    status, ms = get(base + path, headers=cookie if signed_in else None)
                    if status != 200:
                        log(f"  after a change: {path} answered {status}")
                    after.append((label, [ms]))
        finally:
            stop(proc)

    liveness = [run.rate for label, run in rows if label.startswith("/livez")]
    floor = sum(liveness) / len(liveness)
    print()
    print(
        f"N = {facts['practices']} practices ({facts['published']} published), {facts['results']} results, "
        f"{facts['steps']} cycle steps; {shown} ({'VACUUM ANALYZE' if url.startswith('postgresql') else 'ANALYZE'} after the load); "
        + (
            "kept by an earlier run"
            if facts["reused"]
            else f"loaded by {args.loader} in {facts['load_seconds']:.1f} s"
        )
    )
    print(
        f"gunicorn {args.workers} sync workers on loopback; client {args.client} with {args.concurrency} "
        f"connections, {args.duration:g} s per page; visitor cache {'off' if args.no_cache else 'on'}; "
        f"{os.cpu_count()} CPUs shared by server and client; load average at the end "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(f"liveness rate (mean of the first and last /livez run): {floor:.1f} req/s")
    print()
    width = max(len(label) for label, _ in rows)
    print(
        f"{'page':<{width}}  {'requests':>8}  {'req/s':>7}  {'% livez':>7}  {'p50 ms':>8}  {'p99 ms':>8}"
        f"  {'client CPU':>10}  {'load':>5}  statuses"
    )
    for label, run in rows:
        print(
            f"{label:<{width}}  {run.requests:>8}  {run.rate:>7.1f}  {100 * run.rate / floor:>6.1f}%  "
            f"{run.p50:>8.1f}  {run.p99:>8.1f}  {100 * run.client_cpu:>9.0f}%  {run.load:>5.2f}  {run.statuses}"
        )
    if after:
        print()
        print(
            f"First request of each page after a visible write ({args.after_change} rounds, the write: "
            f"{CHANGES[args.change]}; target at 100 000: "
            "p99 <= 250 ms), ms:"
        )
        grouped: dict[str, list[float]] = {}
        for label, values in after:
            grouped.setdefault(label, []).extend(values)
        print(f"{'page':<{width}}  {'p50':>8}  {'max':>8}  each")
        for label, values in grouped.items():
            print(
                f"{label:<{width}}  {percentile(values, 50):>8.1f}  {max(values):>8.1f}  "
                f"{', '.join(f'{v:.0f}' for v in values)}"
            )


if __name__ == "__main__":
    main()
