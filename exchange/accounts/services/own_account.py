"""Self-service on one's own account: name, password, email address, and deleting the account."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete

from exchange import audit
from exchange.accounts.models import AccountToken, TokenPurpose, User
from exchange.accounts.passwords import hash_password, verify_password
from exchange.accounts.services.coaching import remove_coaching
from exchange.accounts.services.rules import (
    check_password,
    clean_name,
    ensure_not_last_admin,
    find_user_by_email,
    normalise_email,
)
from exchange.accounts.services.sessions import end_sessions
from exchange.accounts.services.tokens import find_token, issue_token
from exchange.accounts.twofactor.models import RecoveryCode, TwoFactor
from exchange.database import utcnow
from exchange.errors import Conflict, Invalid
from exchange.extensions import db
from exchange.i18n import MAIL_LANGUAGES
from exchange.mail import external_url, queue_mail
from exchange.mail.outbox import forget_recipient
from exchange.policy import require


def update_profile(actor, user: User, name: str, language: str | None = None) -> None:
    """Change one's own display name and (when given) the language of one's mail ("nl" or "en")."""
    require(actor, "account.edit_self", user)
    user.name = clean_name(name, required=True)
    if language is not None:
        if language not in MAIL_LANGUAGES:
            raise Invalid.on_field("language", _("Kies Nederlands of Engels."))
        user.language = language
    db.session.flush()


def change_password(actor, user: User, current_password: str, new_password: str) -> None:
    """Change one's own password after confirming the current one. Ends every session and open link (the caller
    starts a new sign-in for the browser that made the change)."""
    require(actor, "account.edit_self", user)
    if not verify_password(user.password_hash, current_password or ""):
        raise Invalid.on_field("current_password", _("Het huidige wachtwoord klopt niet."))
    check_password(new_password, email=user.email, name=user.name)
    user.password_hash = hash_password(new_password)
    end_sessions(user)
    audit.record("password_changed", actor=actor, subject=user)
    db.session.flush()


def request_email_change(actor, user: User, new_email: str, password: str) -> None:
    """Start changing one's address: a confirmation link goes to the new address, a notice to the old one.

    When the new address already has an account, its owner gets a notice instead of a link, and the answer
    to the requester is the same, so this cannot be used to find out who has an account.
    """
    require(actor, "account.edit_self", user)
    if not verify_password(user.password_hash, password or ""):
        raise Invalid.on_field("password", _("Het wachtwoord klopt niet."))
    address = normalise_email(new_email)
    if address == user.email:
        raise Invalid.on_field("email", _("Dit is al uw e-mailadres."))
    audit.record("email_change_requested", actor=actor, subject=user)
    owner = find_user_by_email(address)
    if owner is not None:
        queue_mail(
            address,
            _l("Iemand probeerde uw e-mailadres te gebruiken"),
            "email_in_use",
            language=owner.language,
        )
        return
    valid_for = current_app.config["EMAIL_CHANGE_VALID_FOR"]
    raw, token = issue_token(user, TokenPurpose.EMAIL_CHANGE, valid_for, new_email=address)
    queue_mail(
        address,
        _l("Bevestig uw nieuwe e-mailadres voor Jeugdkennis"),
        "email_change_confirm",
        language=user.language,
        user=user,
        link=external_url("accounts.confirm_email", token=raw),
        expires_at=token.expires_at,
    )
    queue_mail(
        user.email,
        _l("Uw e-mailadres voor Jeugdkennis wordt gewijzigd"),
        "email_change_notice",
        language=user.language,
        user=user,
    )


def confirm_email_change(raw_token: str) -> User:
    """Switch to the new address through the link that was sent to it (once, before it expires).

    Ends every session and open link of the account: whoever could read the old address no longer holds it.
    """
    token = find_token(raw_token, TokenPurpose.EMAIL_CHANGE)
    user = token.user
    if find_user_by_email(token.new_email) is not None:
        raise Conflict(_("Dit e-mailadres is inmiddels in gebruik bij een ander account."))
    token.used_at = utcnow()
    end_sessions(user)
    user.email = token.new_email
    audit.record("email_changed", actor=user, subject=user)
    db.session.flush()
    return user


def delete_own_account(actor, user: User, password: str) -> None:
    """Delete one's own account after confirming the password.

    The row stays, anonymised (no name, a placeholder address, no password, inactive, `deleted_at` set), so
    content keeps pointing at it and is shown without the person's name; theme links, coaching assignments
    and open links are removed. The last active administrator cannot delete their account.
    """
    require(actor, "account.edit_self", user)
    if not verify_password(user.password_hash, password or ""):
        raise Invalid.on_field("password", _("Het wachtwoord klopt niet."))
    ensure_not_last_admin(
        user,
        _("U bent de enige beheerder. Maak eerst iemand anders beheerder voordat u uw account verwijdert."),
    )
    remove_coaching(user)
    end_sessions(user)
    db.session.execute(delete(AccountToken).where(AccountToken.user_id == user.id))
    # The anonymised row stays, so ON DELETE CASCADE never fires: the second factor goes by hand.
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id))
    forget_recipient(user.email)  # e.g. a reset link that could not be sent yet
    user.email = f"verwijderd-{user.id}@verwijderd.invalid"
    user.name = ""
    user.password_hash = None
    user.active = False
    user.deleted_at = utcnow()
    audit.record("account_deleted", actor=user, subject=user, role=user.role.value)
    db.session.flush()
