"""How long "wachtwoord vergeten" takes to answer for an address with and without an account, over real HTTP.

Starts gunicorn (2 sync workers, config.Config, a fresh SQLite file, mail written to a folder), then posts the form
alternately for a known and an unknown address and prints median, p90 and the ratio of the medians. The reset
link is mailed after the answer has gone out (exchange.accounts.views), so the two should be alike.

    .venv/bin/python bench/reset_timing.py [--rounds 200]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KNOWN = "beheer@bench.example"
UNKNOWN = "niemand@bench.example"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(env: dict[str, str]) -> None:
    from exchange import create_app
    from exchange.accounts.models import Role
    from exchange.accounts.services import invitations
    from exchange.extensions import db
    from exchange.policy import SYSTEM

    app = create_app(
        "config.Config", SQLALCHEMY_DATABASE_URI=env["DATABASE_URL"], SECRET_KEY=env["SECRET_KEY"]
    )
    with app.app_context():
        db.create_all()  # a benchmark database, not a production one
        invitations.create_user(SYSTEM, KNOWN, Role.ADMIN, "een lang genoeg benchwachtwoord")
        db.session.commit()


def request(port: int, method: str, path: str, body: str | None = None, cookie: str = ""):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    started = time.perf_counter()
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    content = response.read()  # Content-Length is known: the answer is complete here
    elapsed = (time.perf_counter() - started) * 1000
    connection.close()
    return response, content.decode("utf-8", "replace"), elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200, help="requests per address (default 200)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="reset-timing-"))
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{work / 'bench.db'}",
        SECRET_KEY=secrets.token_urlsafe(32),
        EXCHANGE_CONFIG="config.Config",
        MAIL_FOLDER=str(work / "mail"),
        SEARCH_INDEX_DIR=str(work / "index"),
        RATELIMIT_STORAGE_URI="memory://",
        PASSWORD_RESET_LIMIT="100000000 per hour",  # the timing, not the limiter, is measured
    )
    prepare(env)
    command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"]
    with open(work / "gunicorn.log", "wb") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
    try:
        for _ in range(100):
            try:
                page, html, _ = request(port, "GET", "/wachtwoord-vergeten")
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("gunicorn did not start; see " + str(work / "gunicorn.log"))
        cookie = page.getheader("Set-Cookie").split(";", 1)[0]
        token = CSRF_RE.search(html).group(1)
        timings: dict[str, list[float]] = {KNOWN: [], UNKNOWN: []}
        for round_ in range(args.rounds + 10):
            for address in (KNOWN, UNKNOWN) if round_ % 2 else (UNKNOWN, KNOWN):
                body = urlencode({"csrf_token": token, "email": address})
                response, _, elapsed = request(port, "POST", "/wachtwoord-vergeten", body, cookie)
                if response.status != 200:
                    raise SystemExit(f"POST answered {response.status}")
                if round_ >= 10:  # warm-up rounds are not counted
                    timings[address].append(elapsed)
        time.sleep(1)
        mailed = len(list((work / "mail").glob("*.eml")))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)
    medians = {}
    for address, values in timings.items():
        values.sort()
        medians[address] = statistics.median(values)
        p90 = values[int(len(values) * 0.9)]
        label = "known  " if address == KNOWN else "unknown"
        print(f"{label} address: median {medians[address]:.2f} ms, p90 {p90:.2f} ms ({len(values)} requests)")
    print(
        f"ratio of medians: {max(medians.values()) / min(medians.values()):.2f}; reset mails written: {mailed}"
    )


if __name__ == "__main__":
    main()
