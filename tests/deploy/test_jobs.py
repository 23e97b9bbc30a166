"""exchange/jobs.py: one lease per periodic job, so the same timers can run on every server."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from exchange.database import utcnow
from exchange.jobs import JobLease, lease, release, renew, try_acquire
from exchange.mail.models import OutgoingMail


def test_a_free_job_is_taken_and_a_second_holder_is_refused(db):
    assert try_acquire("proef", "server-a", seconds=60) is True
    assert try_acquire("proef", "server-b", seconds=60) is False
    assert db.session.scalar(select(JobLease.holder).where(JobLease.name == "proef")) == "server-a"


def test_other_jobs_are_independent(db):
    assert try_acquire("digests-send-weekly", "a", seconds=60) is True
    assert try_acquire("digests-send-daily", "b", seconds=60) is True


def test_a_released_job_can_be_taken_again_and_only_its_holder_releases_it(db):
    assert try_acquire("proef", "a", seconds=60)
    release("proef", "b")  # not b's: nothing happens
    assert try_acquire("proef", "c", seconds=60) is False
    release("proef", "a")
    assert try_acquire("proef", "c", seconds=60) is True


def test_the_lease_of_a_run_that_died_expires(db):
    assert try_acquire("proef", "dead", seconds=60)
    db.session.execute(
        update(JobLease).where(JobLease.name == "proef").values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    assert try_acquire("proef", "alive", seconds=60) is True
    assert renew("proef", "dead", seconds=60) is False  # the dead run cannot take it back
    assert renew("proef", "alive", seconds=60) is True


def test_the_lease_context_holds_the_job_while_the_block_runs_and_frees_it_after(db):
    with lease("proef", seconds=30) as mine:
        assert mine is True
        with lease("proef", seconds=30) as second:
            assert second is False
    assert db.session.scalar(select(func.count()).select_from(JobLease)) == 0


def test_the_lease_is_freed_when_the_job_fails(db):
    try:
        with lease("proef", seconds=30):
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert try_acquire("proef", "next", seconds=30) is True


def _hold(name: str) -> None:
    assert try_acquire(name, "elders:1:abcd", seconds=300)


def test_a_command_whose_job_runs_elsewhere_says_so_exits_0_and_does_nothing(app, db, runner):
    db.session.add(
        OutgoingMail(
            key="k" * 32,
            recipients="iemand@example.org",
            sender="noreply@example.org",
            subject="S",
            template="email_in_use",
            message=b"Subject: S\r\n\r\nbody\r\n",
            created_at=utcnow() - timedelta(hours=1),
        )
    )
    db.session.commit()
    _hold("mail-send-pending")
    result = runner.invoke(args=["mail", "send-pending"])
    assert result.exit_code == 0, result.output
    assert "mail-send-pending draait al elders" in result.output
    assert "verstuurd" not in result.output
    db.session.expire_all()
    assert db.session.scalar(select(OutgoingMail.attempts)) == 0


def test_digest_leases_are_per_frequency_and_a_dry_run_needs_none(app, db, runner, reference):
    _hold("digests-send-weekly")
    busy = runner.invoke(args=["digests", "send", "--frequency", "weekly", "--now", "2025-03-10T08:00"])
    assert busy.exit_code == 0 and "digests-send-weekly draait al elders" in busy.output
    assert "Samenvatting" not in busy.output
    dry = runner.invoke(
        args=["digests", "send", "--frequency", "weekly", "--now", "2025-03-10T08:00", "--dry-run"]
    )
    assert dry.exit_code == 0 and "proefdraai" in dry.output
    daily = runner.invoke(args=["digests", "send", "--frequency", "daily", "--now", "2025-03-10T08:00"])
    assert daily.exit_code == 0 and "Samenvatting daily" in daily.output


def test_every_periodic_cleanup_takes_its_lease(app, db, runner):
    for job, args in [
        ("digests-purge", ["digests", "purge"]),
        ("users-purge-audit", ["users", "purge-audit"]),
        ("users-purge-sessions", ["users", "purge-sessions"]),
        ("users-send-resets", ["users", "send-resets"]),
    ]:
        _hold(job)
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        assert f"{job} draait al elders" in result.output
        release(job, "elders:1:abcd")
        free = runner.invoke(args=args)
        assert free.exit_code == 0 and "draait al elders" not in free.output


def test_a_long_job_keeps_its_lease_alive(db):
    import time

    with lease("lang", seconds=3) as mine:
        assert mine
        first = db.session.scalar(select(JobLease.expires_at).where(JobLease.name == "lang"))
        db.session.rollback()
        time.sleep(1.6)  # the keep-alive beats every second
        later = db.session.scalar(select(JobLease.expires_at).where(JobLease.name == "lang"))
        db.session.rollback()
        assert later > first
        assert try_acquire("lang", "other", seconds=3) is False
