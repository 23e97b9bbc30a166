"""The periodic jobs started on two servers at the same moment deliver each digest and each queued mail once.

Two real processes (`flask digests send`, then `flask mail send-pending`, each started twice at once, with the
production configuration read from the environment as on a server) against one database (PostgreSQL when
TEST_DATABASE_URL is set, else one SQLite file) and one real SMTP server on loopback. The job lease
(exchange/jobs.py) lets one of them work; the digest deliveries and the outbox's per-row lease would keep even
two working runs from doubling anything.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from exchange import ROOT
from exchange.database import utcnow
from exchange.digests.models import Delivery
from exchange.mail.models import OutgoingMail
from tests.digests.conftest import AFTER_WEEK, smtp_config

SUBSCRIBERS = 24
QUEUED = 30


@pytest.fixture
def app_overrides(smtp_sink):
    return smtp_config(smtp_sink)


def server_env(app, smtp_sink, tmp_path, name: str) -> dict[str, str]:
    """The environment of one app server, as its systemd unit would set it (deploy/jeugdkennis.env.example)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "EXCHANGE_", "SERVERS"))}
    env.update(
        FLASK_APP="wsgi.py",
        EXCHANGE_CONFIG="config.Config",
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        SECRET_KEY=SECRET,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp_sink.port),
        MAIL_TIMEOUT="5",
        SEARCH_INDEX_DIR=str(tmp_path / name / "search-index"),
        MAIL_FOLDER=str(tmp_path / name / "mail"),
        DOCUMENTS_DIR=str(tmp_path / "documents"),
    )
    return env


SECRET = secrets.token_urlsafe(48)


def on_both_servers(app, smtp_sink, tmp_path, *args: str) -> list[subprocess.CompletedProcess]:
    """Start `flask <args>` on two "servers" at the same moment and wait for both."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", *args],
            cwd=ROOT,
            env=server_env(app, smtp_sink, tmp_path, name),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name in ("server-a", "server-b")
    ]
    results = []
    for process in processes:
        output, _ = process.communicate(timeout=180)
        results.append(subprocess.CompletedProcess(process.args, process.returncode, output))
    return results


def test_digests_started_on_two_servers_at_once_go_out_once(
    app, db, cast, publish, make_subscriber, smtp_sink, tmp_path
):
    publish("Nieuw in de week")
    addresses = [f"abonnee{i}@example.org" for i in range(SUBSCRIBERS)]
    for address in addresses:
        make_subscriber(address, [cast.theme])
    runs = on_both_servers(
        app, smtp_sink, tmp_path, "digests", "send", "--frequency", "weekly", "--now", AFTER_WEEK.isoformat()
    )
    for run in runs:
        assert run.returncode == 0, run.stdout
    assert Counter(smtp_sink.handler.recipients()) == Counter(addresses)  # each exactly once
    assert db.session.scalar(select(func.count(Delivery.id))) == SUBSCRIBERS
    # Whichever way the two runs met (one waited out the lease, or came after it), one said it sent them all.
    reports = [run.stdout for run in runs]
    assert sum(f"{SUBSCRIBERS} verstuurd" in out for out in reports) == 1, reports


def test_queued_mail_sent_from_two_servers_at_once_goes_out_once(app, db, smtp_sink, tmp_path):
    long_ago = utcnow() - timedelta(minutes=30)  # past the grace period of the process that queued it
    addresses = [f"wachtend{i}@example.org" for i in range(QUEUED)]
    for i, address in enumerate(addresses):
        db.session.add(
            OutgoingMail(
                key=f"{i:032d}",
                recipients=address,
                sender="noreply@example.org",
                subject=f"Bericht {i}",
                template="email_in_use",
                message=f"To: {address}\r\nSubject: Bericht {i}\r\n\r\nInhoud {i}\r\n".encode(),
                created_at=long_ago,
            )
        )
    db.session.commit()
    runs = on_both_servers(app, smtp_sink, tmp_path, "mail", "send-pending")
    for run in runs:
        assert run.returncode == 0, run.stdout
    assert Counter(smtp_sink.handler.recipients()) == Counter(addresses)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(OutgoingMail.id))) == 0
    sent = [run.stdout for run in runs]
    assert sum(f"{QUEUED} verstuurd" in out for out in sent) == 1, sent
