"""Periodic jobs that may be started on every server at once: one lease row per job (table `job_lease`).

The same systemd timers (deploy/systemd) are installed on every app server, so `flask digests send` and friends
start on all of them at the same minute. The first run to take the job's lease does the work; the others print
"already running elsewhere" and exit 0, so a timer never shows a failure for it.

A lease, not a PostgreSQL advisory lock, so it works the same on SQLite (tests, a single small server): it is
taken with one INSERT (or one conditional UPDATE of an expired row), each in its own short transaction on its
own connection, renewed by a thread while the job runs, and deleted at the end. A run that dies without
deleting it (kill -9, a machine failure) blocks the job only until the lease expires (JOB_LEASE_SECONDS).

The jobs' own bookkeeping (digest deliveries under a unique constraint, the mail outbox's per-row lease) already
keeps a second run from sending anything twice; the lease keeps the second run from even trying, so two
servers do not compete for the same rows or the same SMTP server.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import wraps

import click
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import String, delete, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from exchange.database import utcnow
from exchange.extensions import db

# Exit status of a run that found its job running elsewhere: a success for cron and systemd.
SKIPPED_EXIT = 0


class JobLease(db.Model):
    """Who runs a periodic job now, and until when that claim holds if it is not renewed."""

    __tablename__ = "job_lease"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()

    def __repr__(self) -> str:
        return f"<JobLease {self.name} by {self.holder} until {self.expires_at:%H:%M:%S}>"


def holder_id() -> str:
    """host:pid:random, so an operator sees which server holds a job and two runs never share an id."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _lease_seconds() -> int:
    return max(10, int(current_app.config.get("JOB_LEASE_SECONDS", 300)))


def try_acquire(name: str, holder: str, *, seconds: int) -> bool:
    """Take the lease `name` for `holder` if nobody holds it (or the holder's lease expired). Commits at once."""
    now = utcnow()
    values = {"holder": holder, "acquired_at": now, "expires_at": now + timedelta(seconds=seconds)}
    try:
        with db.engine.begin() as conn:
            conn.execute(insert(JobLease).values(name=name, **values))
        return True
    except IntegrityError:
        pass
    with db.engine.begin() as conn:
        taken = conn.execute(
            update(JobLease).where(JobLease.name == name, JobLease.expires_at < now).values(**values)
        )
    return taken.rowcount == 1


def renew(name: str, holder: str, *, seconds: int) -> bool:
    """Push the lease's expiry forward; False when it is no longer ours (it expired and another run took it)."""
    with db.engine.begin() as conn:
        renewed = conn.execute(
            update(JobLease)
            .where(JobLease.name == name, JobLease.holder == holder)
            .values(expires_at=utcnow() + timedelta(seconds=seconds))
        )
    return renewed.rowcount == 1


def release(name: str, holder: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(delete(JobLease).where(JobLease.name == name, JobLease.holder == holder))


@contextmanager
def lease(name: str, *, seconds: int | None = None) -> Iterator[bool]:
    """`with lease("mail-send-pending") as mine:` — mine is True when this run holds the job until the block
    ends (renewed every third of its length by a thread), False when another run holds it."""
    seconds = seconds or _lease_seconds()
    holder = holder_id()
    if not try_acquire(name, holder, seconds=seconds):
        yield False
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = threading.Event()

    def keep_alive() -> None:
        with app.app_context():
            while not stop.wait(seconds / 3):
                try:
                    if not renew(name, holder, seconds=seconds):
                        app.logger.error("job %s: lease lost to another run", name)
                        return
                except Exception:  # a database hiccup: try again at the next beat, the lease still holds
                    app.logger.exception("job %s: could not renew the lease", name)

    beat = threading.Thread(target=keep_alive, name=f"lease-{name}", daemon=True)
    beat.start()
    try:
        yield True
    finally:
        stop.set()
        beat.join()
        release(name, holder)


def already_running_message(name: str) -> str:
    return _(
        "%(job)s draait al elders (op deze of een andere server); deze run doet niets.",
        job=name,
    )


def exclusive(name: str | Callable[..., str]) -> Callable:
    """Decorate a click command so only one run of it works at a time across all servers.

    `name` is the job's lease name, or a function of the command's parameters that returns it (e.g. one lease
    per digest frequency). A run that finds the job taken prints "already running elsewhere" on stderr and
    exits 0.
    """

    def decorate(command: Callable) -> Callable:
        @wraps(command)
        def run(*args, **kwargs):
            job = name(**kwargs) if callable(name) else name
            if job is None:  # the command said it needs no lease (e.g. a dry run)
                return command(*args, **kwargs)
            with lease(job) as mine:
                if not mine:
                    click.echo(already_running_message(job), err=True)
                    raise SystemExit(SKIPPED_EXIT)
                return command(*args, **kwargs)

        return run

    return decorate
