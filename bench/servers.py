"""Two app servers, one database: each server's own search index follows the change log, also after downtime.

    .venv/bin/python bench/servers.py                        # 20 s writing, server B offline for 10 s of it
    .venv/bin/python bench/servers.py --before 3 --offline 4 --after 3 --writers 4
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/jk_i18_x .venv/bin/python bench/servers.py

Without DATABASE_URL it creates a throwaway PostgreSQL database `jk_i18_servers_...` on 127.0.0.1 (dropped
afterwards), or, with --sqlite or when PostgreSQL does not answer, a SQLite file. Setup: `flask db upgrade`,
`flask seed reference`, then `flask search reindex` into two index folders. Two gunicorn servers (A and B, one
worker each, deploy/gunicorn.conf.py, so each worker catches up on start and on its watcher's timer) run on
free loopback ports with their OWN `SEARCH_INDEX_DIR`, on the same database and Redis.

`--writers` threads in this process commit concurrently through the services (new published practices) and the
ORM (renames), as the servers' own requests would; neither server is told about a change: each follows the
log. Phases: both servers up for `--before` s; B stopped (SIGTERM) while writing goes on for `--offline` s; B
started again and writing goes on for `--after` s; then writing stops. Sampled all the time: each server's
/healthz lag (sequences and seconds behind). Printed: changes written, B's catch-up time after its start, the
time both need to show lag 0 after the last write (convergence), the lag p50/p95/max per server, and
`flask search check` on both folders (changes lost = missing + stale + superfluous documents; must be 0).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load import _flask, _free_port

CHECK_RE = re.compile(r"Ontbrekend: (\d+), verouderd: (\d+), overbodig: (\d+)\.")


def log(message: str) -> None:
    print(f"[servers] {message}", file=sys.stderr, flush=True)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _create_database(folder: Path, sqlite: bool) -> tuple[str, Callable[[], None]]:
    """A throwaway PostgreSQL database (or a SQLite file) and a function that drops it."""
    if sqlite or not _listening(5432):
        return f"sqlite:///{folder / 'servers.db'}", lambda: None
    from sqlalchemy import create_engine, text

    name = f"jk_i18_servers_{os.getpid()}_{secrets.token_hex(3)}"
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


class Server:
    """One gunicorn app server with its own index folder."""

    def __init__(self, name: str, env: dict, folder: Path):
        self.name = name
        self.env = env
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / f"gunicorn-{name}.log"
        self.process: subprocess.Popen | None = None
        self.samples: list[tuple[float, int, float]] = []  # (time, behind, seconds)

    def start(self, timeout: float = 60) -> float:
        """Start and wait for /healthz to answer; the seconds that took."""
        started = time.monotonic()
        with open(self.log_path, "a") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--workers", "1",
                 "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", "wsgi:app"],
                env=self.env, cwd=ROOT, start_new_session=True, stdout=out, stderr=out,
            )  # fmt: skip
        while self.health() is None:
            if time.monotonic() - started > timeout or self.process.poll() is not None:
                raise RuntimeError(f"server {self.name} did not come up; see {self.log_path}")
            time.sleep(0.1)
        return time.monotonic() - started

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def health(self) -> dict | None:
        """This server's search_log check (behind, seconds, ...), or None when it does not answer."""
        try:
            response = requests.get(self.base + "/healthz", timeout=5)
        except requests.RequestException:
            return None
        return response.json().get("checks", {}).get("search_log")

    def sample(self) -> dict | None:
        state = self.health()
        if state is not None and "behind" in state:
            self.samples.append((time.monotonic(), state["behind"], state["seconds"]))
        return state

    def check(self) -> tuple[int, str]:
        done = _flask(self.env, "search", "check", check=False)
        output = done.stdout + done.stderr
        found = CHECK_RE.search(output)
        drift = sum(int(n) for n in found.groups()) if found else -1
        return drift, output


@dataclass
class Report:
    database: str
    writes: int
    write_errors: list[str]
    seconds: float
    catch_up_seconds: float
    converge_seconds: float
    drift: dict[str, int]
    check_output: dict[str, str]
    b_behind_at_start: int = 0
    lag: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def lost(self) -> int:
        return sum(abs(n) for n in self.drift.values())

    def lines(self) -> list[str]:
        out = [
            f"database: {self.database}",
            (
                f"changes written: {self.writes} in {self.seconds:.1f} s by concurrent writers"
                f" ({len(self.write_errors)} write errors)"
            ),
            f"server B behind when it started again: {self.b_behind_at_start} sequences",
            f"server B catch-up after its start (process start -> at most 1.5 s behind, one timer tick): {self.catch_up_seconds:.2f} s",
            f"convergence after the last write (both lag 0): {self.converge_seconds:.2f} s",
        ]
        for name, figures in self.lag.items():
            out.append(
                f"lag {name} (seconds behind, /healthz samples): p50 {figures['p50']:.2f}"
                f" p95 {figures['p95']:.2f} max {figures['max']:.2f} (n={int(figures['n'])})"
            )
        for name, drift in self.drift.items():
            out.append(f"flask search check {name}: {'clean' if drift == 0 else f'DRIFT {drift}'}")
        out.append(f"changes lost: {self.lost}")
        return out


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def _writer(app, stop: threading.Event, counter: list[int], errors: list[str], seed: int) -> None:
    """Commit new published practices and renames until `stop`, each in its own transaction."""
    import random

    from sqlalchemy import select

    from exchange.extensions import db
    from exchange.policy import SYSTEM
    from exchange.practices import services
    from exchange.practices.models import Practice
    from exchange.reference.models import CyclePhase, Region, Theme

    rng = random.Random(seed)
    with app.app_context():
        regions = list(db.session.scalars(select(Region)))
        themes = list(db.session.scalars(select(Theme)))
        phase = db.session.scalars(select(CyclePhase)).first()
        mine: list[int] = []
        n = 0
        while not stop.is_set():
            n += 1
            try:
                if mine and rng.random() < 0.4:
                    practice = db.session.get(Practice, rng.choice(mine))
                    practice.title = f"Hernoemd {seed}-{n} wijkteam"
                else:
                    data = services.PracticeData(
                        title=f"Proef {seed}-{n} thuiszitters",
                        summary="Een aanpak uit de proef met twee servers.",
                        themes=[rng.choice(themes)],
                        phase=phase,
                    )
                    practice = services.create_practice(SYSTEM, rng.choice(regions), data)
                    services.publish_practice(SYSTEM, practice)
                db.session.commit()
                if practice.id not in mine:
                    mine.append(practice.id)
                counter[0] += 1
            except Exception as exc:  # noqa: BLE001 - counted and reported
                db.session.rollback()
                errors.append(f"{exc.__class__.__name__}: {exc}")
            time.sleep(rng.uniform(0.0, 0.05))
        db.session.remove()


def run(
    *,
    before: float = 5.0,
    offline: float = 10.0,
    after: float = 5.0,
    writers: int = 4,
    database_url: str | None = None,
    sqlite: bool = False,
    redis_db: int = 12,
    converge_timeout: float = 60.0,
) -> Report:
    """Set up, serve two servers, write, stop and start B, wait for both to converge, check both folders."""
    folder = Path(tempfile.mkdtemp(prefix="jk-servers-"))
    drop = lambda: None
    if not database_url:
        database_url, drop = _create_database(folder, sqlite)
    servers: list[Server] = []
    try:
        base = {
            **os.environ,
            "FLASK_APP": "wsgi.py",
            "EXCHANGE_CONFIG": "config.Config",
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_hex(32),
            "MAIL_FOLDER": str(folder / "mail"),
            "EXTERNAL_URL": "http://127.0.0.1",
            "SEARCH_SYNC_SECONDS": "1",
            "WEB_CONCURRENCY": "1",
        }
        if _listening(6379):
            base["RATELIMIT_STORAGE_URI"] = f"redis://127.0.0.1:6379/{redis_db}"
        log(f"setting up on {database_url.split('@')[-1]}: migrations, reference data, two indexes")
        _flask({**base, "SEARCH_INDEX_DIR": str(folder / "index-setup")}, "db", "upgrade")
        _flask({**base, "SEARCH_INDEX_DIR": str(folder / "index-setup")}, "seed", "reference")
        for name in ("A", "B"):
            env = {**base, "SEARCH_INDEX_DIR": str(folder / f"index-{name}")}
            _flask(env, "search", "reindex", "--procs", "1")
            servers.append(Server(name, env, folder))
        a, b = servers
        for server in servers:
            server.start()

        from exchange import create_app

        # The writers' process has an index folder of its own that is never built: it applies nothing itself.
        app = create_app(
            "config.Config",
            SECRET_KEY=base["SECRET_KEY"],
            INSTANCE_PATH=str(folder / "instance"),
            SQLALCHEMY_DATABASE_URI=database_url,
            SEARCH_INDEX_DIR=str(folder / "index-writers"),
            SEARCH_APPLY_ON_COMMIT=False,
            MAIL_FOLDER=str(folder / "mail"),
        )
        stop = threading.Event()
        counter, errors = [0], []
        threads = [
            threading.Thread(target=_writer, args=(app, stop, counter, errors, n)) for n in range(writers)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()

        def sample_for(seconds: float, which: list[Server]) -> None:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                for server in which:
                    server.sample()
                time.sleep(0.25)

        log(f"writing with {writers} threads; both servers up for {before:g} s")
        sample_for(before, servers)
        log(f"server B stopped; writing goes on for {offline:g} s")
        b.stop()
        sample_for(offline, [a])
        behind_at_start = _behind(app, b)
        log(f"server B started again, {behind_at_start} sequences behind")
        b_started = time.monotonic()
        b.start()
        catch_up = None
        end = time.monotonic() + after
        while time.monotonic() < end or catch_up is None:
            state = b.sample()
            a.sample()
            if catch_up is None and state is not None and state.get("seconds", 99) <= 1.5:
                catch_up = time.monotonic() - b_started  # at most one timer tick behind the writers
            if time.monotonic() - b_started > converge_timeout:
                raise RuntimeError("server B did not catch up")
            time.sleep(0.1)
        stop.set()
        for thread in threads:
            thread.join()
        last_write = time.monotonic()
        seconds = last_write - started
        log(f"writing stopped after {counter[0]} changes; waiting for both servers to show lag 0")
        while True:
            states = [server.sample() for server in servers]
            if all(s is not None and s.get("behind") == 0 for s in states):
                break
            if time.monotonic() - last_write > converge_timeout:
                raise RuntimeError(f"the servers did not converge: {states}")
            time.sleep(0.1)
        converge = time.monotonic() - last_write
        app_engine_dispose(app)
        drift, outputs = {}, {}
        for server in servers:
            drift[server.name], outputs[server.name] = server.check()
        lag = {}
        for server in servers:
            values = [s for _, _, s in server.samples]
            lag[server.name] = {
                "p50": _percentile(values, 0.5),
                "p95": _percentile(values, 0.95),
                "max": max(values, default=0.0),
                "n": len(values),
            }
        return Report(
            database="postgresql" if database_url.startswith("postgresql") else "sqlite",
            writes=counter[0],
            write_errors=errors,
            seconds=seconds,
            catch_up_seconds=catch_up or 0.0,
            converge_seconds=converge,
            drift=drift,
            check_output=outputs,
            lag=lag,
            b_behind_at_start=behind_at_start,
        )
    finally:
        for server in servers:
            server.stop()
        import shutil

        drop()
        shutil.rmtree(folder, ignore_errors=True)


def _behind(app, server: Server) -> int:
    """Sequences in the log after the position stored in the server's index folder."""
    from sqlalchemy import func, select

    from exchange.extensions import db
    from exchange.search import changelog
    from exchange.search.models import SearchOutbox

    with app.app_context():
        position = changelog.read_position(Path(server.env["SEARCH_INDEX_DIR"]))
        latest = db.session.scalar(select(func.max(SearchOutbox.id))) or 0
        db.session.remove()
    return latest - position.applied


def app_engine_dispose(app) -> None:
    from exchange.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--before", type=float, default=5.0)
    parser.add_argument("--offline", type=float, default=10.0)
    parser.add_argument("--after", type=float, default=5.0)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead of PostgreSQL")
    args = parser.parse_args()
    report = run(
        before=args.before,
        offline=args.offline,
        after=args.after,
        writers=args.writers,
        database_url=args.database_url,
        sqlite=args.sqlite,
    )
    for line in report.lines():
        print(line)
    for error in report.write_errors[:5]:
        print(f"write error: {error}")
    return 0 if report.lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
