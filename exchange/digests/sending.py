"""Sending digests: plan the periods, stream subscribers in batches, claim a delivery record, send, confirm.

Delivery state machine (one row per subscriber, frequency and period; unique):

    (none) --claim, committed--> claimed --SMTP accepted--> sent            (final)
                                         --refused 5xx----> rejected        (final)
                                         --4xx / network--> failed --next run, CAS--> claimed ...
    claimed, older than DIGEST_CLAIM_TIMEOUT (the process died) --next run, CAS--> claimed ...

A batch of claims is committed before any message of the batch is sent, and each acceptance is committed on
its own right after the server's reply (exchange/digests/dispatch.py), so after a crash the only records
whose outcome is unknown are the messages that were in flight: one per sender (see docs/digests.md,
"The crash window").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote, urlsplit

from flask import current_app
from flask_babel import force_locale, ngettext
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from exchange.database import utcnow
from exchange.digests import tokens
from exchange.digests.content import Digest, Follow, Recipient, collect_content, compose, themes_text
from exchange.digests.dispatch import Dispatcher, Job, MailServerUnavailable
from exchange.digests.models import (
    Delivery,
    DeliveryStatus,
    DigestRun,
    Frequency,
    RunStatus,
    Subscriber,
    Subscription,
    subscription_region,
)
from exchange.digests.periods import (
    FREQUENCY_ADJECTIVES,
    FREQUENCY_LABELS,
    Period,
    last_completed,
    period_starting,
    plan_periods,
)
from exchange.extensions import db
from exchange.mail import external_url
from exchange.mail.addresses import UnsendableAddress
from exchange.mail.message import MailMessage

Progress = Callable[[int, str], AbstractContextManager]


@dataclass
class PeriodSummary:
    """What one run did for one period (also stored on its DigestRun)."""

    period: Period
    dry_run: bool = False
    retry_only: bool = False
    run_id: int | None = None
    considered: int = 0
    sent: int = 0
    failed: int = 0
    rejected: int = 0
    empty: int = 0
    skipped: int = 0
    would_send: int = 0
    aborted: str | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def status(self) -> RunStatus:
        if self.aborted:
            return RunStatus.ABORTED
        return RunStatus.PARTIAL if self.failed else RunStatus.DONE


@dataclass
class SendReport:
    frequency: Frequency
    now: datetime
    periods: list[PeriodSummary]
    skipped_periods: list[Period]
    already_done: bool

    @property
    def ok(self) -> bool:
        return not any(p.aborted for p in self.periods)


def _insert(table):
    if db.engine.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _retryable(now: datetime):
    config = current_app.config
    return or_(
        and_(Delivery.status == DeliveryStatus.FAILED, Delivery.attempts < config["DIGEST_MAX_ATTEMPTS"]),
        and_(
            Delivery.status == DeliveryStatus.CLAIMED,
            Delivery.claimed_at < now - config["DIGEST_CLAIM_TIMEOUT"],
        ),
    )


def message_id(frequency: Frequency, period: Period, subscriber_key: str) -> str:
    """The same Message-ID for every attempt at one (period, subscriber), so clients can drop a repeat."""
    domain = urlsplit(current_app.config["EXTERNAL_URL"]).hostname or "jeugdkennis.localhost"
    return f"<digest.{frequency.value}.{period.first_day:%Y%m%d}.{subscriber_key}@{domain}>"


def list_id() -> str:
    configured = current_app.config.get("DIGEST_LIST_ID")
    if configured:
        return configured
    domain = urlsplit(current_app.config["EXTERNAL_URL"]).hostname or "jeugdkennis.localhost"
    return f"Jeugdkennis themaoverzicht <themaoverzicht.{domain}>"


class DigestMailer:
    """Builds digest messages for one run: what is the same for every message is worked out once."""

    TOKEN = "__token__"

    def __init__(self, content_themes: dict) -> None:
        config = current_app.config
        self.themes = content_themes
        self.manage_prefix, self.manage_suffix = external_url("digests.manage", token=self.TOKEN).split(
            self.TOKEN
        )
        self.mailto = config.get("DIGEST_UNSUBSCRIBE_MAILTO")
        self.list_id = list_id()
        self.sender = config["MAIL_DEFAULT_SENDER"]
        self.site_url = config["EXTERNAL_URL"].rstrip("/")
        # The Jinja templates themselves: Flask's render_template adds request context and signals we do not need.
        self.text = current_app.jinja_env.get_template("email/digest.txt")
        self.html = current_app.jinja_env.get_template("email/digest.html")

    def manage_url(self, subscriber_key: str, subscription_id: int | None = None) -> str:
        # Tokens are URL-safe (base64url and dots), so they need no quoting.
        return self.manage_prefix + tokens.manage_token(subscriber_key, subscription_id) + self.manage_suffix

    def build(self, digest: Digest) -> MailMessage:
        """The digest as a two-part message with List-Unsubscribe (RFC 8058), List-Id and a stable Message-ID,
        written in the subscriber's language (texts, theme and phase names, the period's dates)."""
        with force_locale(digest.recipient.language or "nl"):
            return self._build(digest)

    def _build(self, digest: Digest) -> MailMessage:
        recipient = digest.recipient
        frequency = Frequency(recipient.frequency)
        token = tokens.manage_token(recipient.key)
        manage = self.manage_prefix + token + self.manage_suffix
        unsubscribe = [f"<{manage}>"]
        if self.mailto:
            unsubscribe.append(f"<mailto:{self.mailto}?subject={quote('afmelden ' + token)}>")
        headers = {
            "List-Unsubscribe": ", ".join(unsubscribe),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": self.list_id,
            "Auto-Submitted": "auto-generated",
            "Precedence": "bulk",
        }
        leave_urls = {
            s.follow.subscription_id: self.manage_url(recipient.key, s.follow.subscription_id)
            for s in digest.sections
        }
        followed = [self.themes[f.theme_id].name for f in recipient.follows if f.theme_id in self.themes]
        count = digest.item_count
        subject = ngettext(
            "Jeugdkennis: %(num)d nieuwe bijdrage – %(period)s",
            "Jeugdkennis: %(num)d nieuwe bijdragen – %(period)s",
            count,
            period=digest.period.label,
        )
        context = {
            "subject": subject,
            "digest": digest,
            "manage_url": manage,
            "leave_urls": leave_urls,
            "followed_text": themes_text(followed),
            "frequency_label": FREQUENCY_LABELS[frequency],
            "frequency_adjective": FREQUENCY_ADJECTIVES[frequency],
            "external_url": external_url,
            "site_url": self.site_url,
        }
        return MailMessage(
            subject,
            [recipient.email],
            body=self.text.render(context),
            html=self.html.render(context),
            sender=self.sender,
            extra_headers=headers,
            message_id=message_id(frequency, digest.period, recipient.key),
        )


def build_digest_message(digest: Digest, content_themes: dict) -> MailMessage:
    """One digest message (for the preview; a run uses one DigestMailer for all its messages)."""
    return DigestMailer(content_themes).build(digest)


def _recipient_filter(frequency: Frequency, period: Period, retry_only: bool, now: datetime):
    conditions = [
        Subscriber.frequency == frequency,
        Subscriber.confirmed_at.is_not(None),
        Subscriber.id.in_(select(Subscription.subscriber_id).where(Subscription.confirmed_at < period.end)),
    ]
    if retry_only:
        conditions.append(
            Subscriber.id.in_(
                select(Delivery.subscriber_id).where(
                    Delivery.frequency == frequency, Delivery.period_start == period.start, _retryable(now)
                )
            )
        )
    return conditions


def count_recipients(frequency: Frequency, period: Period, *, retry_only: bool = False, now=None) -> int:
    now = now or utcnow()
    return (
        db.session.scalar(
            select(func.count(Subscriber.id)).where(*_recipient_filter(frequency, period, retry_only, now))
        )
        or 0
    )


def _recipients(rows, frequency: Frequency) -> list[Recipient]:
    """Plain Recipient records for subscriber rows: two more queries, whatever the number of rows."""
    ids = [row.id for row in rows]
    subscriptions = db.session.execute(
        select(Subscription.id, Subscription.subscriber_id, Subscription.theme_id, Subscription.confirmed_at)
        .where(Subscription.subscriber_id.in_(ids))
        .order_by(Subscription.id)
    ).all()
    regions: dict[int, set[int]] = {}
    if subscriptions:
        for subscription_id, region_id in db.session.execute(
            select(subscription_region.c.subscription_id, subscription_region.c.region_id).where(
                subscription_region.c.subscription_id.in_([s.id for s in subscriptions])
            )
        ):
            regions.setdefault(subscription_id, set()).add(region_id)
    follows: dict[int, list[Follow]] = {}
    for s in subscriptions:
        follows.setdefault(s.subscriber_id, []).append(
            Follow(s.id, s.theme_id, frozenset(regions.get(s.id, ())), s.confirmed_at)
        )
    return [
        Recipient(
            row.id,
            row.key,
            row.email,
            frequency.value,
            row.confirmed_at,
            tuple(follows.get(row.id, ())),
            row.language or "nl",
        )
        for row in rows
    ]


_RECIPIENT_COLUMNS = (
    Subscriber.id,
    Subscriber.key,
    Subscriber.email,
    Subscriber.confirmed_at,
    Subscriber.language,
)


def recipient_batches(
    frequency: Frequency, period: Period, *, batch_size: int, retry_only: bool = False, now=None
) -> Iterator[list[Recipient]]:
    """Subscribers of `frequency` as plain data, `batch_size` at a time (keyset paging on id; three queries
    per batch whatever its size, and nothing kept in the session)."""
    now = now or utcnow()
    last_id = 0
    while True:
        rows = db.session.execute(
            select(*_RECIPIENT_COLUMNS)
            .where(*_recipient_filter(frequency, period, retry_only, now), Subscriber.id > last_id)
            .order_by(Subscriber.id)
            .limit(batch_size)
        ).all()
        if not rows:
            return
        yield _recipients(rows, frequency)
        last_id = rows[-1].id


def recipient_for(subscriber_id: int, frequency: Frequency) -> Recipient | None:
    """One subscriber as the sender sees it (for the administrators' preview)."""
    rows = db.session.execute(select(*_RECIPIENT_COLUMNS).where(Subscriber.id == subscriber_id)).all()
    return _recipients(rows, frequency)[0] if rows else None


def _existing(frequency: Frequency, period: Period, subscriber_ids: list[int]) -> dict[int, tuple]:
    rows = db.session.execute(
        select(Delivery.subscriber_id, Delivery.status, Delivery.attempts, Delivery.claimed_at).where(
            Delivery.subscriber_id.in_(subscriber_ids),
            Delivery.frequency == frequency,
            Delivery.period_start == period.start,
        )
    ).all()
    return {row.subscriber_id: row for row in rows}


def _may_send(row, now: datetime) -> bool:
    if row is None:
        return True
    config = current_app.config
    if row.status == DeliveryStatus.FAILED:
        return row.attempts < config["DIGEST_MAX_ATTEMPTS"]
    if row.status == DeliveryStatus.CLAIMED:
        return row.claimed_at < now - config["DIGEST_CLAIM_TIMEOUT"]
    return False


def claim(
    run_id: int, frequency: Frequency, period: Period, messages: dict[int, tuple[str, int]]
) -> dict[int, int]:
    """Claim delivery records for subscribers {id: (message_id, items)} and COMMIT, before anything is sent.

    New records are inserted (a concurrent run's records are left alone: ON CONFLICT DO NOTHING); failed or
    abandoned ones are taken over with a compare-and-set update. Returns {subscriber_id: delivery_id} for the
    records this run now owns; two statements and one commit per batch.
    """
    if not messages:
        return {}
    now = utcnow()
    ids = list(messages)
    values = [
        {
            "subscriber_id": sid,
            "run_id": run_id,
            "frequency": frequency,
            "period_start": period.start,
            "period_end": period.end,
            "status": DeliveryStatus.CLAIMED,
            "attempts": 0,
            "item_count": items,
            "message_id": mid,
            "claimed_at": now,
        }
        for sid, (mid, items) in messages.items()
    ]
    owned: dict[int, int] = {}
    inserted = db.session.execute(
        _insert(Delivery.__table__)
        .values(values)
        .on_conflict_do_nothing()
        .returning(Delivery.__table__.c.id, Delivery.__table__.c.subscriber_id)
    )
    owned.update({sid: did for did, sid in inserted})
    rest = [sid for sid in ids if sid not in owned]
    if rest:
        taken = db.session.execute(
            update(Delivery.__table__)
            .where(
                Delivery.__table__.c.subscriber_id.in_(rest),
                Delivery.__table__.c.frequency == frequency,
                Delivery.__table__.c.period_start == period.start,
                _retryable(now),
            )
            .values(status=DeliveryStatus.CLAIMED, claimed_at=now, run_id=run_id)
            .returning(Delivery.__table__.c.id, Delivery.__table__.c.subscriber_id)
        )
        owned.update({sid: did for did, sid in taken})
    db.session.commit()
    return owned


def _record_run_start(frequency: Frequency, period: Period, run_for: datetime) -> int:
    run = DigestRun(
        frequency=frequency,
        period_start=period.start,
        period_end=period.end,
        run_for=run_for,
        started_at=utcnow(),
        status=RunStatus.RUNNING,
    )
    db.session.add(run)
    db.session.flush()
    run_id = run.id
    db.session.commit()
    return run_id


def _record_run_end(summary: PeriodSummary) -> None:
    db.session.execute(
        update(DigestRun.__table__)
        .where(DigestRun.__table__.c.id == summary.run_id)
        .values(
            finished_at=utcnow(),
            status=summary.status,
            considered=summary.considered,
            sent=summary.sent,
            failed=summary.failed,
            rejected=summary.rejected,
            empty=summary.empty,
            skipped=summary.skipped,
            error=summary.aborted or ("; ".join(summary.errors[:5]) or None),
        )
    )
    db.session.commit()


def send_period(
    frequency: Frequency,
    period: Period,
    run_for: datetime,
    *,
    dry_run: bool = False,
    retry_only: bool = False,
    progress: Progress | None = None,
) -> PeriodSummary:
    """Send (or, with dry_run, count) the digests of one period. Safe to run again, also concurrently:
    a subscriber whose digest for the period was accepted is never sent it again."""
    config = current_app.config
    summary = PeriodSummary(period, dry_run=dry_run, retry_only=retry_only)
    content = collect_content(period)
    limit = config["DIGEST_SECTION_LIMIT"]
    now = utcnow()
    total = count_recipients(frequency, period, retry_only=retry_only, now=now)
    if not dry_run:
        summary.run_id = _record_run_start(frequency, period, run_for)
    label = f"{FREQUENCY_LABELS[frequency]!s} {period.label}"
    with ExitStack() as stack:
        bar = stack.enter_context(progress(total, label) if progress else nullcontext())
        dispatcher = None
        if not dry_run:
            dispatcher = stack.enter_context(Dispatcher(current_app._get_current_object(), _senders()))
        for batch in recipient_batches(
            frequency, period, batch_size=config["DIGEST_BATCH_SIZE"], retry_only=retry_only, now=now
        ):
            summary.considered += len(batch)
            _send_batch(frequency, period, content, batch, summary, dispatcher, limit)
            if bar is not None:
                bar.update(len(batch))
            if summary.aborted:
                break
    if dispatcher is not None:
        outcome = dispatcher.outcome
        summary.sent, summary.failed, summary.rejected = outcome.sent, outcome.failed, outcome.rejected
        summary.errors.extend(dispatcher.errors)
        summary.aborted = summary.aborted or outcome.unavailable
    if not dry_run:
        _record_run_end(summary)
    return summary


def _senders() -> int:
    """DIGEST_SENDERS, but one for an in-memory SQLite database (one connection shared by every thread)."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return 1
    return current_app.config["DIGEST_SENDERS"]


def _send_batch(
    frequency, period, content, batch, summary: PeriodSummary, dispatcher: Dispatcher | None, limit: int
) -> None:
    digests = {}
    for recipient in batch:
        digest = compose(content, recipient, limit=limit)
        if digest is None:
            summary.empty += 1
        else:
            digests[recipient.id] = digest
    if not digests:
        return
    now = utcnow()
    existing = _existing(frequency, period, list(digests))
    candidates = {sid: d for sid, d in digests.items() if _may_send(existing.get(sid), now)}
    summary.skipped += len(digests) - len(candidates)
    if dispatcher is None:
        summary.would_send += len(candidates)
        return
    if not candidates:
        return
    mailer = DigestMailer(content.themes)
    messages = {}
    for sid, digest in list(candidates.items()):
        try:
            messages[sid] = mailer.build(digest)
        except UnsendableAddress as exc:  # an address stored before the address policy: report, send the rest
            summary.skipped += 1
            summary.errors.append(f"subscriber {sid}: {exc}")
            del candidates[sid]
    if not messages:
        return
    try:
        dispatcher.ensure_open()  # before claiming: an unreachable server leaves no records behind
    except MailServerUnavailable as exc:
        summary.aborted = f"Mailserver onbereikbaar: {exc}"
        return
    owned = claim(
        summary.run_id,
        frequency,
        period,
        {sid: (m.msgId, candidates[sid].item_count) for sid, m in messages.items()},
    )
    summary.skipped += len(candidates) - len(owned)
    dispatcher.run(
        [
            Job(sid, owned[sid], messages[sid], candidates[sid].item_count)
            for sid in candidates
            if sid in owned
        ]
    )
    if dispatcher.outcome.unavailable:
        summary.aborted = dispatcher.outcome.unavailable


def _run_count(runs, status: DeliveryStatus):
    deliveries = Delivery.__table__
    return (
        select(func.count(deliveries.c.id))
        .where(deliveries.c.run_id == runs.c.id, deliveries.c.status == status)
        .scalar_subquery()
    )


def _close_dead_runs(frequency: Frequency) -> None:
    """Runs still "running" long after a live run would have claimed its next batch died with their process:
    say so on the administrators' page (their deliveries are taken over through the claims)."""
    table = DigestRun.__table__
    cutoff = utcnow() - current_app.config["DIGEST_CLAIM_TIMEOUT"]
    db.session.execute(
        update(table)
        .where(
            table.c.frequency == frequency, table.c.status == RunStatus.RUNNING, table.c.started_at < cutoff
        )
        .values(
            status=RunStatus.ABORTED,
            finished_at=utcnow(),
            error="Proces gestopt tijdens het versturen",
            sent=_run_count(table, DeliveryStatus.SENT),
            failed=_run_count(table, DeliveryStatus.FAILED),
            rejected=_run_count(table, DeliveryStatus.REJECTED),
        )
    )
    db.session.commit()


def done_periods(frequency: Frequency) -> tuple[set[datetime], datetime | None]:
    """Starts of periods handled completely by earlier runs, and the start of the first period ever run."""
    done = set(
        db.session.scalars(
            select(DigestRun.period_start)
            .where(
                DigestRun.frequency == frequency, DigestRun.status.in_([RunStatus.DONE, RunStatus.PARTIAL])
            )
            .distinct()
        )
    )
    earliest = db.session.scalar(
        select(func.min(DigestRun.period_start)).where(DigestRun.frequency == frequency)
    )
    return done, earliest


def outstanding_periods(frequency: Frequency, before: datetime) -> list[Period]:
    """Earlier periods with deliveries to retry (failed, or claimed by a run that died), ending by `before`."""
    starts = db.session.scalars(
        select(Delivery.period_start)
        .where(Delivery.frequency == frequency, Delivery.period_end <= before, _retryable(utcnow()))
        .distinct()
    )
    return sorted(period_starting(frequency, start) for start in starts)


def send_digests(
    frequency: Frequency, now: datetime, *, dry_run: bool = False, progress: Progress | None = None
) -> SendReport:
    """Send every digest due at `now` for `frequency`: the last completed period, periods missed since the
    last complete run (at most DIGEST_CATCH_UP_LIMIT), and retries of failed deliveries of earlier periods.
    For `flask digests send`; safe to run twice."""
    config = current_app.config
    settle: timedelta = config["DIGEST_SETTLE"]
    if not dry_run:
        _close_dead_runs(frequency)
    done, earliest = done_periods(frequency)
    plan = plan_periods(frequency, now, done, earliest, settle=settle, limit=config["DIGEST_CATCH_UP_LIMIT"])
    last = last_completed(frequency, now, settle)
    retries = [p for p in outstanding_periods(frequency, last.end) if p not in plan.periods]
    work = sorted(
        [(p, False) for p in plan.periods] + [(p, True) for p in retries], key=lambda x: x[0].first_day
    )
    summaries = []
    for period, retry_only in work:
        summary = send_period(
            frequency, period, now, dry_run=dry_run, retry_only=retry_only, progress=progress
        )
        summaries.append(summary)
        if summary.aborted:
            break
    return SendReport(frequency, now, summaries, plan.skipped, plan.already_done)
