"""Subscribing (double opt-in), confirming, unsubscribing, frequency changes, data export and erasure.

Services flush and never commit; mail is queued with exchange.mail.queue_mail and leaves after the commit.
Nothing here tells a caller whether an address was already known: request_subscription() and request_links()
behave the same for known and unknown addresses, as seen from the web page.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select

from exchange.database import utcnow
from exchange.digests import tokens
from exchange.digests.models import (
    Consent,
    Delivery,
    Frequency,
    Subscriber,
    Subscription,
    subscription_region,
)
from exchange.digests.periods import FREQUENCY_ADJECTIVES
from exchange.errors import Invalid, LinkExpired, LinkInvalid
from exchange.extensions import db
from exchange.i18n import MAIL_LANGUAGES, mail_language
from exchange.mail import external_url, queue_mail
from exchange.mail.addresses import EMAIL_MAX, normalise_email  # noqa: F401 - the one address policy
from exchange.mail.outbox import forget_recipient
from exchange.reference.models import Region, Theme

CONSENT_TEXT = _l(
    "Ik wil per e-mail een overzicht ontvangen van wat er nieuw is in de gekozen thema's, zo vaak als ik heb "
    "gekozen. Jeugdkennis gebruikt mijn e-mailadres alleen hiervoor. Ik kan me in elke e-mail met één klik "
    "afmelden en mijn gegevens laten wissen."
)


def consent_text() -> str:
    """The consent text as shown on the subscribe form, in the current language."""
    return str(CONSENT_TEXT)


def consent_version(text: str) -> str:
    """A short fingerprint of a consent text: the form carries it, so we store exactly the text that was shown."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Choice:
    """What someone asks for on a subscribe form."""

    themes: list[Theme]
    regions: list[Region]
    frequency: Frequency
    language: str = "nl"  # of the confirmation mail and every digest

    def as_request(self) -> dict:
        return {
            "themes": [t.slug for t in self.themes],
            "regions": [r.slug for r in self.regions],
            "frequency": self.frequency.value,
            "language": mail_language(self.language),
        }


def _check_choice(choice: Choice) -> None:
    if not choice.themes:
        message = _("Kies ten minste één thema.")
        raise Invalid.on_field("themes", message)


def find_subscriber(email: str) -> Subscriber | None:
    return db.session.scalar(select(Subscriber).where(Subscriber.email == email))


def subscriber_by_key(key: str) -> Subscriber | None:
    return db.session.scalar(select(Subscriber).where(Subscriber.key == key))


def manage_url(subscriber: Subscriber, subscription: Subscription | None = None) -> str:
    """The never-expiring link to manage (or leave) one subscription or all of them."""
    return external_url(
        "digests.manage", token=tokens.manage_token(subscriber.key, subscription.id if subscription else None)
    )


def request_subscription(email: str, choice: Choice, *, text: str, locale: str = "nl") -> Consent:
    """Record a subscribe request with its consent text and mail a confirmation link (double opt-in).

    Known and unknown addresses get the same treatment: a new pending consent and a confirmation mail (which,
    for an address that already has subscriptions, also links to its management page). Nothing changes and
    nothing is sent in digests until the link is followed. Raises Invalid for a bad address or no theme.
    """
    email = normalise_email(email)
    _check_choice(choice)
    now = utcnow()
    subscriber = find_subscriber(email)
    if subscriber is None:
        subscriber = Subscriber(
            email=email, frequency=choice.frequency, language=mail_language(choice.language), created_at=now
        )
        db.session.add(subscriber)
    consent = Consent(
        subscriber=subscriber,
        text=text,
        request=choice.as_request(),
        source="form",
        locale=locale,
        given_at=now,
    )
    db.session.add(consent)
    db.session.flush()
    valid_for: timedelta = current_app.config["DIGEST_CONFIRM_VALID_FOR"]
    language = mail_language(choice.language)
    queue_mail(
        email,
        _l("Bevestig uw aanmelding voor Jeugdkennis"),
        "subscription_confirm",
        language=language,
        confirm_url=external_url("digests.confirm", token=tokens.confirm_token(consent.key)),
        theme_names=[(t.name_en or t.name) if language == "en" else t.name for t in choice.themes],
        region_names=[r.display_name for r in choice.regions],
        frequency_adjective=FREQUENCY_ADJECTIVES[choice.frequency],
        valid_days=valid_for.days,
        # Always: the mail goes to the address itself, and after confirming this is where to add or leave themes.
        manage_url=manage_url(subscriber),
        known=bool(subscriber.subscriptions),
    )
    return consent


def consent_by_token(token: str) -> Consent:
    """The consent a confirmation link points at; LinkInvalid for a bad token or an erased subscriber."""
    key = tokens.read_confirm_token(token)
    consent = db.session.scalar(select(Consent).where(Consent.key == key))
    if consent is None:
        raise LinkInvalid()
    return consent


def confirm_subscription(consent: Consent) -> bool:
    """Apply a subscribe request once its confirmation link is followed. Idempotent: returns False when it
    was confirmed before. Raises LinkExpired after DIGEST_CONFIRM_VALID_FOR."""
    if consent.confirmed_at is not None:
        return False
    now = utcnow()
    if now - consent.given_at > current_app.config["DIGEST_CONFIRM_VALID_FOR"]:
        raise LinkExpired(
            _l("Deze bevestigingslink is verlopen. Meld u opnieuw aan; u krijgt dan een nieuwe link.")
        )
    _apply(consent.subscriber, consent.request, now)
    consent.confirmed_at = now
    db.session.flush()
    return True


def _apply(subscriber: Subscriber, request: dict, now: datetime) -> None:
    """Make a confirmed request effective: frequency, and per theme its regions (none = all regions)."""
    themes = list(db.session.scalars(select(Theme).where(Theme.slug.in_(request.get("themes") or []))))
    regions = list(db.session.scalars(select(Region).where(Region.slug.in_(request.get("regions") or []))))
    try:
        subscriber.frequency = Frequency(request.get("frequency"))
    except ValueError:
        pass
    if request.get("language") in MAIL_LANGUAGES:
        subscriber.language = request["language"]
    subscriber.confirmed_at = subscriber.confirmed_at or now
    existing = {s.theme_id: s for s in subscriber.subscriptions}
    for theme in themes:
        subscription = existing.get(theme.id)
        if subscription is None:
            subscription = Subscription(theme=theme, created_at=now, confirmed_at=now)
            subscriber.subscriptions.append(subscription)
        subscription.regions = list(regions)
    if subscriber.subscriptions:
        subscriber.left_at = None


def subscribe_account(user, choice: Choice, *, text: str, locale: str = "nl") -> Subscriber:
    """Subscribe a signed-in person's own (already verified) address at once; the consent is stored as given
    and confirmed now. Raises Invalid when no theme is chosen."""
    _check_choice(choice)
    email = normalise_email(user.email)
    now = utcnow()
    subscriber = find_subscriber(email)
    if subscriber is None:
        subscriber = Subscriber(
            email=email, frequency=choice.frequency, language=mail_language(choice.language), created_at=now
        )
        db.session.add(subscriber)
    db.session.add(
        Consent(
            subscriber=subscriber,
            text=text,
            request=choice.as_request(),
            source="account",
            locale=locale,
            given_at=now,
            confirmed_at=now,
        )
    )
    _apply(subscriber, choice.as_request(), now)
    db.session.flush()
    return subscriber


def resolve_manage_token(token: str) -> tuple[Subscriber | None, Subscription | None, int | None]:
    """(subscriber, subscription, subscription id asked for) for a manage link. The subscriber is None when it
    was erased; the subscription None when the link is for everything or that theme was already left.
    Raises LinkInvalid for a tampered or truncated token."""
    key, subscription_id = tokens.read_manage_token(token)
    subscriber = subscriber_by_key(key)
    if subscriber is None:
        return None, None, subscription_id
    subscription = None
    if subscription_id is not None:
        subscription = next((s for s in subscriber.subscriptions if s.id == subscription_id), None)
    return subscriber, subscription, subscription_id


def leave_theme(subscriber: Subscriber, subscription: Subscription) -> None:
    """End one subscription (the subscriber's own)."""
    if subscription.subscriber_id != subscriber.id:
        raise Invalid(code="not_your_subscription")
    subscriber.subscriptions.remove(subscription)
    if not subscriber.subscriptions:
        subscriber.left_at = utcnow()
    db.session.flush()


def leave_all(subscriber: Subscriber) -> int:
    """End every subscription; returns how many there were. The consent history stays until erased or purged."""
    count = len(subscriber.subscriptions)
    subscriber.subscriptions.clear()
    subscriber.left_at = subscriber.left_at or utcnow()
    db.session.flush()
    return count


def update_subscriptions(
    subscriber: Subscriber,
    themes: list[Theme],
    regions: list[Region],
    language: str,
    *,
    text: str,
    locale: str = "nl",
) -> bool:
    """Set what a subscriber follows from their manage page (the never-expiring link mailed to the address is
    the proof of ownership, as for leaving): exactly `themes`, each narrowed to `regions` (none = all), and the
    language of their mail. Themes or regions added are recorded as a consent given and confirmed now, with the
    consent text shown; saving unchanged records nothing. Returns whether anything changed. Raises Invalid when
    no theme is chosen (leaving everything has its own button) or for an unknown language."""
    if not themes:
        raise Invalid.on_field(
            "themes", _("Kies ten minste één thema. Wilt u niets meer ontvangen, zeg dan alles op.")
        )
    if language not in MAIL_LANGUAGES:
        raise Invalid.on_field("language", _("Kies Nederlands of Engels."))
    now = utcnow()
    wanted_regions = {r.id for r in regions}
    existing = {s.theme_id: s for s in subscriber.subscriptions}
    added = any(
        t.id not in existing
        or not wanted_regions <= {r.id for r in existing[t.id].regions}
        or (existing[t.id].regions and not wanted_regions)
        for t in themes
    )
    changed = added or language != subscriber.language
    for theme_id, subscription in existing.items():
        if theme_id not in {t.id for t in themes}:
            subscriber.subscriptions.remove(subscription)
            changed = True
    for theme in themes:
        subscription = existing.get(theme.id)
        if subscription is None:
            subscription = Subscription(theme=theme, created_at=now, confirmed_at=now)
            subscriber.subscriptions.append(subscription)
        if {r.id for r in subscription.regions} != wanted_regions:
            subscription.regions = list(regions)
            changed = True
    subscriber.language = language
    if added:
        db.session.add(
            Consent(
                subscriber=subscriber,
                text=text,
                request={
                    "themes": [t.slug for t in themes],
                    "regions": [r.slug for r in regions],
                    "frequency": subscriber.frequency.value,
                    "language": language,
                },
                source="manage",
                locale=locale,
                given_at=now,
                confirmed_at=now,
            )
        )
        subscriber.left_at = None
        subscriber.confirmed_at = subscriber.confirmed_at or now
    db.session.flush()
    return changed


def change_frequency(subscriber: Subscriber, frequency: Frequency) -> None:
    """Switch to another rhythm; the new one applies from the next period of that frequency."""
    subscriber.frequency = frequency
    db.session.flush()


def request_links(email: str) -> None:
    """Mail the management link and a data link to a known address; do nothing for an unknown one.
    The page answers the same either way. Raises Invalid for a malformed address."""
    email = normalise_email(email)
    subscriber = find_subscriber(email)
    if subscriber is None:
        return
    valid_for: timedelta = current_app.config["DIGEST_DATA_LINK_VALID_FOR"]
    queue_mail(
        email,
        _l("Uw abonnementen op Jeugdkennis"),
        "subscription_links",
        language=subscriber.language,
        manage_url=manage_url(subscriber) if subscriber.confirmed_at else None,
        data_url=external_url("digests.data", token=tokens.data_token(subscriber.key)),
        valid_hours=int(valid_for.total_seconds() // 3600),
    )


def subscriber_by_data_token(token: str) -> Subscriber | None:
    """The subscriber a data link is for (None when already erased). LinkInvalid / LinkExpired otherwise."""
    return subscriber_by_key(tokens.read_data_token(token))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_data(subscriber: Subscriber) -> dict:
    """Everything held about a subscriber, as plain JSON-able data (GDPR art. 15)."""
    deliveries = db.session.scalars(
        select(Delivery).where(Delivery.subscriber_id == subscriber.id).order_by(Delivery.period_start)
    )
    return {
        "email": subscriber.email,
        "frequency": subscriber.frequency.value,
        "language": subscriber.language,
        "created_at": _iso(subscriber.created_at),
        "confirmed_at": _iso(subscriber.confirmed_at),
        "left_at": _iso(subscriber.left_at),
        "subscriptions": [
            {
                "theme": s.theme.slug,
                "theme_name": s.theme.name,
                "regions": [r.slug for r in s.regions],
                "created_at": _iso(s.created_at),
                "confirmed_at": _iso(s.confirmed_at),
            }
            for s in subscriber.subscriptions
        ],
        "consents": [
            {
                "text": c.text,
                "request": c.request,
                "source": c.source,
                "locale": c.locale,
                "given_at": _iso(c.given_at),
                "confirmed_at": _iso(c.confirmed_at),
            }
            for c in subscriber.consents
        ],
        "deliveries": [
            {
                "frequency": d.frequency.value,
                "period_start": _iso(d.period_start),
                "period_end": _iso(d.period_end),
                "status": d.status.value,
                "attempts": d.attempts,
                "items": d.item_count,
                "message_id": d.message_id,
                "claimed_at": _iso(d.claimed_at),
                "sent_at": _iso(d.sent_at),
                "error": d.error,
            }
            for d in deliveries
        ],
    }


def erase_subscriber(subscriber: Subscriber) -> None:
    """Delete the subscriber with its subscriptions, consent records and delivery records (GDPR art. 17).

    Delivery records are deleted, not anonymised: they only say that this address got mail in these periods,
    and the run totals administrators need are kept on DigestRun. Explicit deletes, so SQLite without
    foreign-key enforcement leaves nothing behind either.
    """
    sid = subscriber.id
    forget_recipient(subscriber.email)  # e.g. a confirmation that could not be sent yet
    subscription_ids = select(Subscription.id).where(Subscription.subscriber_id == sid)
    db.session.execute(
        delete(subscription_region).where(subscription_region.c.subscription_id.in_(subscription_ids))
    )
    for model in (Delivery, Subscription, Consent):
        db.session.execute(
            delete(model).where(model.subscriber_id == sid).execution_options(synchronize_session=False)
        )
    db.session.execute(
        delete(Subscriber).where(Subscriber.id == sid).execution_options(synchronize_session=False)
    )
    db.session.expunge(subscriber)
    db.session.flush()


def purge_stale(now: datetime | None = None) -> dict[str, int]:
    """Erase addresses that never confirmed, or left every theme, more than DIGEST_RETENTION ago, and drop
    unconfirmed requests older than that. Returns counts. For the command line (`flask digests purge`)."""
    now = now or utcnow()
    cutoff = now - current_app.config["DIGEST_RETENTION"]
    stale = list(
        db.session.scalars(
            select(Subscriber).where(
                or_(
                    (Subscriber.confirmed_at.is_(None)) & (Subscriber.created_at < cutoff),
                    Subscriber.left_at < cutoff,
                )
            )
        )
    )
    for subscriber in stale:
        erase_subscriber(subscriber)
    requests = db.session.execute(
        delete(Consent)
        .where(Consent.confirmed_at.is_(None), Consent.given_at < cutoff)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.flush()
    return {"subscribers": len(stale), "requests": requests or 0}


def subscriber_counts() -> dict[str, int]:
    """Confirmed subscribers per frequency, for the administrators' overview."""
    rows = db.session.execute(
        select(Subscriber.frequency, func.count(Subscriber.id))
        .where(Subscriber.confirmed_at.is_not(None), Subscriber.subscriptions.any())
        .group_by(Subscriber.frequency)
    )
    return {frequency.value: n for frequency, n in rows}
