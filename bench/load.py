"""Load and fault run: gunicorn on PostgreSQL with Redis for the rate limiter, writers and readers at once, then
`flask search sync` and `flask search check`. Loopback only.

    .venv/bin/python bench/load.py                                   # 4 workers, 20 + 20 threads, 60 s
    .venv/bin/python bench/load.py --workers 2 --writers 4 --readers 4 --duration 5
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/jk_load .venv/bin/python bench/load.py

Without DATABASE_URL (or --database-url) it creates a throwaway database on 127.0.0.1 and drops it afterwards.
Setup: `flask db upgrade`, `flask seed reference`, `flask seed demo`, one staff account per region with
practices and two functionaries coaching those regions, `flask search reindex`. Then `--writers` threads sign in
through the real form (CSRF token included) and save practices through the edit form (the revision field
makes concurrent saves of one practice answer 409 with the merge form: counted as handled conflicts), write
and publish new practices, add results, and give feedback as functionaries; `--readers` threads read pages,
search (with paging) and the API. Afterwards: requests/s, p50/p99 per kind, every 5xx, the 409s, the outbox
left for `flask search sync`, and the drift `flask search check` finds. Exits 1 on any 5xx or any drift.

Server and client share the machine's CPUs: the figures compare runs on one machine, not capacity.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "belasting-proef-2026"
# The functionaries' second factor (administrators and functionaries must have one; see README "Roles and rules").
TOTP_SECRET = "JEUGDKENNISBELASTINGPROEF2FA7777"
WORDS = ["jeugdhulp", "school", "thuiszitters", "pleegzorg", "wachttijd", "ouders", "wijkteam", "preventie"]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------ forms


class _Forms(HTMLParser):
    """Every <form> of a page: its action and the values a browser would submit."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action") or "", "fields": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form["fields"].append((a["name"], a.get("value", "on")))
                self._form.setdefault("choices", defaultdict(list))[a["name"]].append(a.get("value", "on"))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self._form["fields"].append((a["name"], a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form["fields"].append((a["name"], ""))
        elif tag == "select" and a.get("name"):
            self._select, self._select_first, self._select_chosen = a["name"], None, False
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None and value:
                self._select_first = value
            if "selected" in a:
                self._form["fields"].append((self._select, value))
                self._select_chosen = True

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select and self._form is not None:
            if not self._select_chosen and self._select_first is not None:
                self._form["fields"].append((self._select, self._select_first))
            self._select = None

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            name, value = self._form["fields"][-1]
            self._form["fields"][-1] = (name, value + data)


def form_on(html: str, action_part: str, page: str = "") -> dict:
    """The first form whose action contains `action_part` (a form without action posts to `page`):
    {"action", "fields": [(name, value)], "choices"}."""
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        form["action"] = form["action"] or page
        if action_part in form["action"]:
            return form
    raise LookupError(f"no form with action containing {action_part!r}")


def with_values(form: dict, **values) -> list[tuple[str, str]]:
    """The form's fields with some replaced (a list value sets a multi-valued field)."""
    out = [(k, v) for k, v in form["fields"] if k not in values]
    for name, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            out.append((name, str(item)))
    return out


# ------------------------------------------------------------------------------------------------ measuring


@dataclass
class Stats:
    started: float = field(default_factory=time.monotonic)
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, method: str, url: str, status: int, seconds: float, body: str = "") -> None:
        with self.lock:
            self.times[kind].append(seconds)
            self.statuses[kind][status] += 1
            if status >= 500:
                self.errors.append(f"{status} {method} {url}: {body[:300]!r}")

    def count(self, status_test) -> int:
        return sum(n for c in self.statuses.values() for s, n in c.items() if status_test(s))


class Client:
    """A browser-like session against the server: keeps cookies, times every request under a kind."""

    def __init__(self, base: str, stats: Stats):
        self.base, self.stats = base, stats
        self.http = requests.Session()

    def request(self, kind: str, method: str, path: str, **kwargs) -> requests.Response:
        started = time.perf_counter()
        try:
            response = self.http.request(
                method, self.base + path, timeout=60, allow_redirects=False, **kwargs
            )
        except requests.RequestException as exc:
            self.stats.record(kind, method, path, 599, time.perf_counter() - started, repr(exc))
            raise
        body = response.text if response.status_code >= 500 else ""
        self.stats.record(kind, method, path, response.status_code, time.perf_counter() - started, body)
        return response

    def login(self, email: str) -> None:
        page = self.request("login", "GET", "/inloggen")
        form = form_on(page.text, "inloggen")
        done = self.request(
            "login", "POST", "/inloggen", data=with_values(form, email=email, password=PASSWORD)
        )
        if done.status_code == 302 and done.headers.get("Location", "").endswith("/inloggen/code"):
            # Functionaries have a second factor (TOTP_SECRET, set up with their accounts below).
            import pyotp

            page = self.request("login", "GET", "/inloggen/code")
            form = form_on(page.text, "/inloggen/code")
            code = pyotp.TOTP(TOTP_SECRET).now()
            done = self.request("login", "POST", "/inloggen/code", data=with_values(form, code=code))
        if done.status_code != 302:
            raise RuntimeError(f"sign-in of {email} answered {done.status_code}")


# ------------------------------------------------------------------------------------------------ the run


@dataclass
class Account:
    email: str
    role: str
    practice_ids: list[int]


def _writer(base: str, stats: Stats, account: Account, stop: float, conflicts: Counter) -> None:
    client = Client(base, stats)
    rng = random.Random(account.email)
    try:
        client.login(account.email)
    except (RuntimeError, LookupError, requests.RequestException) as exc:
        stats.errors.append(f"sign-in failed for {account.email}: {exc}")
        return
    while time.monotonic() < stop:
        practice = rng.choice(account.practice_ids)
        try:
            if account.role == "functionary":
                page = client.request("feedback", "GET", f"/praktijken/{practice}")
                if page.status_code == 200 and "/feedback" in page.text:
                    form = form_on(page.text, "/feedback")
                    body = f"Vraag {rng.randrange(10**6)}: hoe meten jullie dit?"
                    client.request("feedback", "POST", form["action"], data=with_values(form, body=body))
                continue
            action = rng.random()
            if action < 0.5:
                page = client.request("save", "GET", f"/praktijken/{practice}/bewerken")
                if page.status_code != 200:
                    continue
                form = form_on(page.text, "/bewerken", f"/praktijken/{practice}/bewerken")
                summary = f"Samenvatting bijgewerkt onder belasting ({rng.randrange(10**6)})."
                saved = client.request(
                    "save", "POST", form["action"], data=with_values(form, summary=summary)
                )
                if saved.status_code == 409:
                    conflicts["save"] += 1
            elif action < 0.75:
                page = client.request("result", "GET", f"/praktijken/{practice}/resultaten/nieuw")
                if page.status_code != 200:
                    continue
                form = form_on(page.text, "/resultaten/nieuw", f"/praktijken/{practice}/resultaten/nieuw")
                values = {
                    "indicator": rng.choice(
                        ["Aantal thuiszitters", "Wachttijd (weken)", "Tevredenheid (1-10)"]
                    ),
                    "value": f"{rng.randrange(1, 500)},5",
                    "measured_on": date.today().isoformat(),
                }
                client.request("result", "POST", form["action"], data=with_values(form, **values))
            else:
                page = client.request("publish", "GET", "/praktijken/nieuw")
                if page.status_code != 200:
                    continue
                form = form_on(page.text, "/praktijken/nieuw", "/praktijken/nieuw")
                themes = form.get("choices", {}).get("themes") or []
                values = {
                    "title": f"Belastingproef {rng.choice(WORDS)} {rng.randrange(10**6)}",
                    "summary": "Een praktijkvoorbeeld uit de belastingproef.",
                    "body": f"Over {rng.choice(WORDS)} en {rng.choice(WORDS)}.",
                    "themes": themes[:1],
                    "started_on": date.today().isoformat(),
                }
                made = client.request("publish", "POST", form["action"], data=with_values(form, **values))
                location = made.headers.get("Location", "")
                found = re.search(r"/praktijken/(\d+)", location)
                if made.status_code == 302 and found:
                    new_id = int(found.group(1))
                    detail = client.request("publish", "GET", f"/praktijken/{new_id}")
                    confirm = form_on(detail.text, "/publiceren")
                    client.request("publish", "POST", confirm["action"], data=confirm["fields"])
                    account.practice_ids.append(new_id)
        except (LookupError, requests.RequestException):
            continue


def _reader(base: str, stats: Stats, practice_ids: list[int], stop: float, seed: int) -> None:
    client = Client(base, stats)
    rng = random.Random(seed)
    while time.monotonic() < stop:
        word = rng.choice(WORDS)
        choice = rng.random()
        try:
            if choice < 0.3:
                path = rng.choice(["/", "/praktijken", f"/praktijken/{rng.choice(practice_ids)}"])
                client.request("page", "GET", path)
            elif choice < 0.7:
                page = rng.choice([1, 1, 2, 3])
                client.request("search", "GET", f"/zoeken?q={word}&pagina={page}")
            else:
                path = rng.choice([f"/api/v1/search?q={word}&page={rng.choice([1, 2])}", "/api/v1/practices"])
                client.request("api", "GET", path)
        except requests.RequestException:
            continue


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _flask(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "flask", *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def _create_database() -> tuple[str, Callable[[], None]]:
    """A throwaway PostgreSQL database on 127.0.0.1 and a function that drops it."""
    from sqlalchemy import create_engine, text

    name = f"jk_load_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", drop


def _accounts(env: dict, regions: int) -> tuple[list[Account], list[int]]:
    """Staff of the `regions` regions with the most practices and two functionaries coaching them (committed)."""
    script = f"""
import json
from sqlalchemy import func, select
from exchange import create_app
from exchange.accounts.models import CoachingAssignment, FunctionaryTheme, Role, User
from exchange.reference.models import Theme
from exchange.accounts.passwords import hash_password
from exchange.accounts.twofactor.models import TwoFactor
from exchange.database import utcnow
from exchange.extensions import db
from exchange.practices.models import Practice, Status
app = create_app("config.Config")
with app.app_context():
    top = db.session.execute(select(Practice.region_id, func.count()).where(Practice.status != Status.ARCHIVED)
        .group_by(Practice.region_id).order_by(func.count().desc(), Practice.region_id).limit({regions})).all()
    secret = hash_password({PASSWORD!r})
    out, published = [], []
    for n, (region_id, _) in enumerate(top):
        ids = list(db.session.scalars(select(Practice.id).where(Practice.region_id == region_id,
            Practice.status != Status.ARCHIVED)))
        published += list(db.session.scalars(select(Practice.id).where(Practice.region_id == region_id,
            Practice.status == Status.PUBLISHED)))
        email = f"staf{{n}}@belasting.example"
        db.session.add(User(email=email, role=Role.STAFF, region_id=region_id, name=f"Staf {{n}}", password_hash=secret))
        out.append({{"email": email, "role": "staff", "practice_ids": ids}})
    for n in range(2):
        user = User(email=f"coach{{n}}@belasting.example", role=Role.FUNCTIONARY, name=f"Coach {{n}}", password_hash=secret)
        db.session.add(user)
        db.session.flush()
        db.session.add(TwoFactor(user_id=user.id, secret={TOTP_SECRET!r}, confirmed_at=utcnow()))
        for region_id, _ in top:
            db.session.add(CoachingAssignment(user_id=user.id, region_id=region_id, theme_id=None))
        for theme_id in db.session.scalars(select(Theme.id)):
            db.session.add(FunctionaryTheme(user_id=user.id, theme_id=theme_id))
        out.append({{"email": user.email, "role": "functionary", "practice_ids": published}})
    db.session.commit()
    print(json.dumps(out))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"creating accounts failed:\n{done.stderr}")
    import json

    rows = json.loads(done.stdout.strip().splitlines()[-1])
    accounts = [Account(**row) for row in rows]
    published = next(a.practice_ids for a in accounts if a.role == "functionary")
    return accounts, published


@dataclass
class Report:
    requests: int
    seconds: float
    by_kind: dict[str, dict]
    errors: list[str]
    conflicts: int
    outbox_left: str
    check_output: str
    drift: bool

    def lines(self) -> list[str]:
        out = [
            f"{self.requests} requests in {self.seconds:.1f} s: {self.requests / self.seconds:.1f} requests/s"
        ]
        out.append(f"{'kind':10} {'count':>7} {'p50 ms':>8} {'p99 ms':>8}  statuses")
        for kind, row in sorted(self.by_kind.items()):
            statuses = " ".join(f"{s}x{n}" for s, n in sorted(row["statuses"].items()))
            out.append(f"{kind:10} {row['count']:>7} {row['p50']:>8.1f} {row['p99']:>8.1f}  {statuses}")
        out.append(f"5xx: {len(self.errors)}")
        out.extend(f"  {e}" for e in self.errors[:50])
        out.append(f"409 conflicts handled (merge form shown): {self.conflicts}")
        out.append(f"search outbox after the run: {self.outbox_left}")
        summary = [line for line in self.check_output.splitlines() if line.startswith("Ontbrekend")]
        out.append("flask search check: " + (summary[-1] if summary else self.check_output.strip()[-300:]))
        out.append("index drift: " + ("YES" if self.drift else "none"))
        return out


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def run(
    *,
    workers: int = 4,
    writers: int = 20,
    readers: int = 20,
    duration: float = 60.0,
    database_url: str | None = None,
    redis_db: int = 13,
) -> Report:
    """Set up, serve, load for `duration` seconds, check; the Report (gunicorn and any throwaway db are removed)."""
    drop = None
    if not database_url:
        database_url, drop = _create_database()
    folder = Path(tempfile.mkdtemp(prefix="jk-load-"))
    server = None
    try:
        env = {
            **os.environ,
            "FLASK_APP": "wsgi.py",
            "EXCHANGE_CONFIG": "config.Config",
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_hex(32),
            "SEARCH_INDEX_DIR": str(folder / "search-index"),
            "MAIL_FOLDER": str(folder / "mail"),
            "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:6379/{redis_db}",
            # The limiter runs (in Redis, shared by the workers); every client here has one address.
            "API_RATE_LIMIT": "100000 per minute",
            "EXTERNAL_URL": "http://127.0.0.1",
        }
        import redis

        redis.Redis.from_url(env["RATELIMIT_STORAGE_URI"]).flushdb()
        log("setting up: migrations, reference data, demo practices, accounts, index")
        _flask(env, "db", "upgrade")
        _flask(env, "seed", "reference")
        _flask(env, "seed", "demo")
        # Two writers per staff account (same region, same practices): concurrent saves meet as 409s.
        accounts, published = _accounts(env, max(1, (writers - 2) // 2))
        _flask(env, "search", "reindex", "--procs", "1")
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
             "--timeout", "120", "--log-level", "warning", "wsgi:app"],
            env=env, cwd=ROOT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(base + "/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("gunicorn did not come up")
            time.sleep(0.3)
        log(f"loading for {duration:g} s: {writers} writers, {readers} readers, {workers} workers")
        stats = Stats()
        conflicts: Counter = Counter()
        stop = time.monotonic() + duration
        writer_accounts = [accounts[i % len(accounts)] for i in range(writers)]
        threads = [
            threading.Thread(target=_writer, args=(base, stats, account, stop, conflicts))
            for account in writer_accounts
        ] + [threading.Thread(target=_reader, args=(base, stats, published, stop, n)) for n in range(readers)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - started
    finally:
        if server is not None:
            try:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(server.pid, signal.SIGKILL)
    try:
        status = _flask(env, "search", "status", check=False).stdout.strip()
        sync = _flask(env, "search", "sync", check=False).stdout.strip()
        check = _flask(env, "search", "check", check=False)
    finally:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
        if drop is not None:
            drop()
    by_kind = {
        kind: {
            "count": len(times),
            "p50": _percentile(times, 0.5),
            "p99": _percentile(times, 0.99),
            "statuses": dict(stats.statuses[kind]),
        }
        for kind, times in stats.times.items()
    }
    return Report(
        requests=sum(len(t) for t in stats.times.values()),
        seconds=seconds,
        by_kind=by_kind,
        errors=list(stats.errors),
        conflicts=sum(conflicts.values()),
        outbox_left=f"{status} / sync: {sync.splitlines()[-1] if sync else ''}",
        check_output=check.stdout + check.stderr,
        drift=check.returncode != 0,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument(
        "--redis-db", type=int, default=13, help="Redis database number for the rate limiter."
    )
    args = parser.parse_args()
    report = run(
        workers=args.workers,
        writers=args.writers,
        readers=args.readers,
        duration=args.duration,
        database_url=args.database_url,
        redis_db=args.redis_db,
    )
    print("\n".join(report.lines()))
    return 1 if report.errors or report.drift else 0


if __name__ == "__main__":
    sys.exit(main())
