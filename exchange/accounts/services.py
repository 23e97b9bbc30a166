"""Account services: sign-in, invitations, one-time links, self-service and the administration of people.

Every function that acts for someone takes the acting user first and asks the policy before anything else.
They flush and never commit; mail is queued and leaves only after the caller's commit.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from exchange import audit
from exchange.accounts.models import (
    AccountToken,
    CoachingAssignment,
    FunctionaryTheme,
    Role,
    TokenPurpose,
    User,
    new_session_token,
)
from exchange.accounts.passwords import hash_password, needs_rehash, password_problems, verify_password
from exchange.database import utcnow
from exchange.errors import Conflict, Invalid, LinkExpired, LinkInvalid, LinkUsed
from exchange.extensions import db
from exchange.mail import external_url, queue_mail
from exchange.mail.outbox import forget_recipient
from exchange.policy import require
from exchange.reference.models import Region, Theme

NAME_MAX = 120
EMAIL_MAX = 254
TOKEN_MAX = 128


class LoginFailed(Invalid):
    default_message = _l("Het e-mailadres of het wachtwoord klopt niet.")


# --- input ----------------------------------------------------------------------------------------------------


def normalise_email(value: str | None) -> str:
    """Trim and lower-case an address; raise Invalid (field "email") when it is not a valid address."""
    value = (value or "").strip()
    if not value:
        raise Invalid.on_field("email", _("Vul een e-mailadres in."))
    if len(value) > EMAIL_MAX:
        raise Invalid.on_field(
            "email", _("Het e-mailadres is te lang (hoogstens %(n)s tekens).", n=EMAIL_MAX)
        )
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise Invalid.on_field("email", _("Dit is geen geldig e-mailadres.")) from exc
    return result.normalized.lower()


def _clean_name(name: str | None, *, required: bool = False) -> str:
    name = " ".join((name or "").split())
    if required and not name:
        raise Invalid.on_field("name", _("Vul uw naam in."))
    if len(name) > NAME_MAX:
        raise Invalid.on_field("name", _("De naam is te lang (hoogstens %(n)s tekens).", n=NAME_MAX))
    return name


def _check_password(password: str, *, email: str, name: str = "", field: str = "password") -> None:
    problems = password_problems(password or "", email=email, name=name)
    if problems:
        raise Invalid.on_field(field, problems[0])


def check_combination(role: Role, region: Region | None, themes: Iterable[Theme]) -> None:
    themes = list(themes)
    if role == Role.STAFF and region is None:
        raise Invalid.on_field(
            "region", _("Een regiomedewerker hoort bij precies één regio: kies een regio.")
        )
    if role != Role.STAFF and region is not None:
        if role == Role.FUNCTIONARY:
            raise Invalid.on_field(
                "region",
                _(
                    "Een themafunctionaris hoort niet bij één regio. Wijs de regio's die hij of zij coacht "
                    "daarna toe."
                ),
            )
        raise Invalid.on_field("region", _("Een beheerder hoort niet bij een regio."))
    if role != Role.FUNCTIONARY and themes:
        raise Invalid.on_field("themes", _("Alleen themafunctionarissen worden aan thema's gekoppeld."))


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _ensure_email_free(email: str) -> None:
    if find_user_by_email(email) is not None:
        message = _("Er bestaat al een account met dit e-mailadres.")
        raise Conflict(message, details={"fields": {"email": message}})


def _active_admin_count() -> int:
    return db.session.scalar(
        select(func.count(User.id)).where(
            User.role == Role.ADMIN, User.active.is_(True), User.deleted_at.is_(None)
        )
    )


def _ensure_not_last_admin(user: User, message: str) -> None:
    if user.role == Role.ADMIN and user.active and _active_admin_count() <= 1:
        raise Conflict(message)


# --- one-time links -------------------------------------------------------------------------------------------


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _issue_token(
    user: User, purpose: TokenPurpose, valid_for: timedelta, *, new_email: str | None = None, created_by=None
) -> tuple[str, AccountToken]:
    """Create a one-time link secret for `user`; earlier unused links of the same kind stop working."""
    db.session.execute(
        delete(AccountToken).where(
            AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None)
        )
    )
    raw = secrets.token_urlsafe(32)
    token = AccountToken(
        user_id=user.id,
        purpose=purpose,
        token_hash=_hash_token(raw),
        new_email=new_email,
        expires_at=utcnow() + valid_for,
        created_by_id=getattr(created_by, "id", None),
    )
    db.session.add(token)
    db.session.flush()
    return raw, token


def find_token(raw: str | None, purpose: TokenPurpose) -> AccountToken:
    """The usable one-time link for `raw`. Raises LinkInvalid (404), LinkExpired or LinkUsed (410)."""
    if not raw or len(raw) > TOKEN_MAX:
        raise LinkInvalid()
    token = db.session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == _hash_token(raw), AccountToken.purpose == purpose
        )
    )
    if token is None or token.user.deleted_at is not None or not token.user.active:
        raise LinkInvalid()
    if token.used_at is not None:
        raise LinkUsed()
    if token.expires_at <= utcnow():
        raise LinkExpired()
    return token


def _end_sessions(user: User) -> None:
    user.session_token = new_session_token()


# --- sign-in --------------------------------------------------------------------------------------------------


def sign_in(email: str, password: str, *, ip: str | None = None) -> User:
    """Check credentials and record the attempt. Raises LoginFailed with a message that does not reveal
    whether the address has an account (only a correct password learns that an account is deactivated).

    The failed attempt is added to the session, so the caller should commit before showing the error.
    """
    try:
        address = normalise_email(email)
    except Invalid:
        address = None
    user = None
    if address:
        user = db.session.scalar(select(User).where(User.email == address, User.deleted_at.is_(None)))
    if not verify_password(user.password_hash if user else None, password or ""):
        if user is None:
            audit.record("login_failed", ip=ip, reason="unknown", email=(email or "")[:EMAIL_MAX])
        else:
            audit.record("login_failed", subject=user, ip=ip, reason="password")
        db.session.flush()
        raise LoginFailed()
    if not user.active:
        audit.record("login_failed", subject=user, ip=ip, reason="inactive")
        db.session.flush()
        raise LoginFailed(
            _("Dit account is gedeactiveerd. Neem contact op met een beheerder."), code="inactive"
        )
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    audit.record("login", actor=user, subject=user, ip=ip)
    db.session.flush()
    return user


# --- invitations and accounts made by administrators ---------------------------------------------------------


def invite_user(
    actor,
    email: str,
    role: Role,
    *,
    name: str = "",
    region: Region | None = None,
    themes: Iterable[Theme] = (),
) -> User:
    """Create an account without a password and mail an invitation link (valid INVITATION_VALID_FOR, once).

    Administrators only. Raises Invalid for a bad address or role combination, Conflict when the address has
    an account already.
    """
    require(actor, "user.invite")
    address = normalise_email(email)
    name = _clean_name(name)
    themes = list(themes)
    check_combination(role, region, themes)
    _ensure_email_free(address)
    user = User(
        email=address, name=name, role=role, region_id=region.id if region else None, password_hash=None
    )
    db.session.add(user)
    db.session.flush()
    for theme in themes:
        db.session.add(FunctionaryTheme(user_id=user.id, theme_id=theme.id))
    audit.record(
        "invitation_sent",
        actor=actor,
        subject=user,
        role=role.value,
        region=region.code if region else None,
        themes=[t.slug for t in themes],
    )
    _send_invitation(actor, user)
    return user


def resend_invitation(actor, user: User) -> None:
    """Send a fresh invitation link to someone who has not set a password yet; the old link stops working."""
    require(actor, "user.invite", user)
    if not user.is_invited or not user.active:
        raise Conflict(_("Deze persoon heeft de uitnodiging al aanvaard of het account is niet actief."))
    audit.record("invitation_sent", actor=actor, subject=user, role=user.role.value, again=True)
    _send_invitation(actor, user)


def _send_invitation(actor, user: User) -> None:
    valid_for = current_app.config["INVITATION_VALID_FOR"]
    raw, token = _issue_token(user, TokenPurpose.INVITE, valid_for, created_by=actor)
    queue_mail(
        user.email,
        _("Uitnodiging voor Jeugdkennis"),
        "invitation",
        user=user,
        inviter=getattr(actor, "display_name", ""),
        link=external_url("accounts.accept_invitation", token=raw),
        expires_at=token.expires_at,
    )


def accept_invitation(raw_token: str, name: str, password: str) -> User:
    """Set name and password through an invitation link (once, before it expires)."""
    token = find_token(raw_token, TokenPurpose.INVITE)
    user = token.user
    name = _clean_name(name, required=True)
    _check_password(password, email=user.email, name=name)
    user.name = name
    user.password_hash = hash_password(password)
    _end_sessions(user)
    token.used_at = utcnow()
    audit.record("invitation_accepted", actor=user, subject=user)
    db.session.flush()
    return user


def create_user(
    actor,
    email: str,
    role: Role,
    password: str,
    *,
    name: str = "",
    region: Region | None = None,
    themes: Iterable[Theme] = (),
) -> User:
    """Create a ready-to-use account with a password (the `flask users create` command)."""
    require(actor, "user.invite")
    address = normalise_email(email)
    name = _clean_name(name)
    themes = list(themes)
    check_combination(role, region, themes)
    _ensure_email_free(address)
    _check_password(password, email=address, name=name)
    user = User(
        email=address,
        name=name,
        role=role,
        region_id=region.id if region else None,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    db.session.flush()
    for theme in themes:
        db.session.add(FunctionaryTheme(user_id=user.id, theme_id=theme.id))
    audit.record(
        "user_created",
        actor=actor,
        subject=user,
        role=role.value,
        region=region.code if region else None,
        themes=[t.slug for t in themes],
    )
    db.session.flush()
    return user


# --- passwords ------------------------------------------------------------------------------------------------


def request_password_reset(email: str, *, ip: str | None = None) -> None:
    """Mail a reset link when the address belongs to an active account; otherwise do nothing, silently.

    Raises Invalid only for a malformed address, so the answer never reveals whether an account exists.
    """
    address = normalise_email(email)
    user = db.session.scalar(
        select(User).where(User.email == address, User.deleted_at.is_(None), User.active.is_(True))
    )
    if user is None:
        return
    valid_for = current_app.config["PASSWORD_RESET_VALID_FOR"]
    raw, token = _issue_token(user, TokenPurpose.RESET, valid_for)
    audit.record("password_reset_requested", subject=user, ip=ip)
    queue_mail(
        user.email,
        _("Nieuw wachtwoord instellen voor Jeugdkennis"),
        "password_reset",
        user=user,
        link=external_url("accounts.reset_password", token=raw),
        expires_at=token.expires_at,
        valid_minutes=int(valid_for.total_seconds() // 60),
    )


def reset_password(raw_token: str, password: str) -> User:
    """Set a new password through a reset link (once, short-lived). Ends every session of the account."""
    token = find_token(raw_token, TokenPurpose.RESET)
    user = token.user
    _check_password(password, email=user.email, name=user.name)
    user.password_hash = hash_password(password)
    _end_sessions(user)
    token.used_at = utcnow()
    audit.record("password_reset", actor=user, subject=user)
    db.session.flush()
    return user


def change_password(actor, user: User, current_password: str, new_password: str) -> None:
    """Change one's own password after confirming the current one. Ends every other session."""
    require(actor, "account.edit_self", user)
    if not verify_password(user.password_hash, current_password or ""):
        raise Invalid.on_field("current_password", _("Het huidige wachtwoord klopt niet."))
    _check_password(new_password, email=user.email, name=user.name)
    user.password_hash = hash_password(new_password)
    _end_sessions(user)
    audit.record("password_changed", actor=actor, subject=user)
    db.session.flush()


# --- self-service ---------------------------------------------------------------------------------------------


def update_profile(actor, user: User, name: str) -> None:
    """Change one's own display name."""
    require(actor, "account.edit_self", user)
    user.name = _clean_name(name, required=True)
    db.session.flush()


def end_all_sessions(actor, user: User) -> None:
    """Log out everywhere: every cookie (including "remember me") for this account stops working."""
    require(actor, "account.edit_self", user)
    _end_sessions(user)
    audit.record("sessions_ended", actor=actor, subject=user)
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
    if find_user_by_email(address) is not None:
        queue_mail(address, _("Iemand probeerde uw e-mailadres te gebruiken"), "email_in_use")
        return
    valid_for = current_app.config["EMAIL_CHANGE_VALID_FOR"]
    raw, token = _issue_token(user, TokenPurpose.EMAIL_CHANGE, valid_for, new_email=address)
    queue_mail(
        address,
        _("Bevestig uw nieuwe e-mailadres voor Jeugdkennis"),
        "email_change_confirm",
        user=user,
        link=external_url("accounts.confirm_email", token=raw),
        expires_at=token.expires_at,
    )
    queue_mail(
        user.email, _("Uw e-mailadres voor Jeugdkennis wordt gewijzigd"), "email_change_notice", user=user
    )


def confirm_email_change(raw_token: str) -> User:
    """Switch to the new address through the link that was sent to it (once, before it expires)."""
    token = find_token(raw_token, TokenPurpose.EMAIL_CHANGE)
    user = token.user
    if find_user_by_email(token.new_email) is not None:
        raise Conflict(_("Dit e-mailadres is inmiddels in gebruik bij een ander account."))
    user.email = token.new_email
    token.used_at = utcnow()
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
    _ensure_not_last_admin(
        user,
        _("U bent de enige beheerder. Maak eerst iemand anders beheerder voordat u uw account verwijdert."),
    )
    _remove_coaching(user)
    db.session.execute(delete(AccountToken).where(AccountToken.user_id == user.id))
    forget_recipient(user.email)  # e.g. a reset link that could not be sent yet
    user.email = f"verwijderd-{user.id}@verwijderd.invalid"
    user.name = ""
    user.password_hash = None
    user.active = False
    user.deleted_at = utcnow()
    _end_sessions(user)
    audit.record("account_deleted", actor=user, subject=user, role=user.role.value)
    db.session.flush()


# --- administration of people ---------------------------------------------------------------------------------


def _ensure_not_deleted(user: User) -> None:
    if user.deleted_at is not None:
        raise Conflict(_("Dit account is verwijderd."))


def _remove_coaching(user: User) -> None:
    db.session.execute(delete(CoachingAssignment).where(CoachingAssignment.user_id == user.id))
    db.session.execute(delete(FunctionaryTheme).where(FunctionaryTheme.user_id == user.id))
    db.session.expire(user, ["themes", "assignments"])


def change_role(actor, user: User, role: Role, region: Region | None = None) -> None:
    """Give someone another role (and, for regional staff, their region). Administrators only.

    Leaving the functionary role removes theme links and coaching assignments. The last administrator
    cannot lose that role.
    """
    require(actor, "user.manage", user)
    _ensure_not_deleted(user)
    check_combination(role, region, ())
    new_region_id = region.id if region else None
    if user.role == role and user.region_id == new_region_id:
        return
    if role != Role.ADMIN:
        _ensure_not_last_admin(user, _("Er moet minstens één actieve beheerder blijven."))
    old_role, old_region = user.role, user.region
    if old_role == Role.FUNCTIONARY and role != Role.FUNCTIONARY:
        _remove_coaching(user)
    user.role = role
    user.region_id = new_region_id
    audit.record(
        "role_changed",
        actor=actor,
        subject=user,
        old_role=old_role.value,
        role=role.value,
        old_region=old_region.code if old_region else None,
        region=region.code if region else None,
    )
    db.session.flush()
    db.session.expire(user, ["region"])


def deactivate_user(actor, user: User) -> None:
    """Block an account: it can no longer sign in and every session ends. Not one's own account."""
    require(actor, "user.manage", user)
    _ensure_not_deleted(user)
    if getattr(actor, "id", None) == user.id:
        raise Conflict(_("U kunt uw eigen account niet deactiveren."))
    if not user.active:
        raise Conflict(_("Dit account is al gedeactiveerd."))
    _ensure_not_last_admin(user, _("Er moet minstens één actieve beheerder blijven."))
    user.active = False
    _end_sessions(user)
    db.session.execute(
        delete(AccountToken).where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None))
    )
    audit.record("user_deactivated", actor=actor, subject=user)
    db.session.flush()


def reactivate_user(actor, user: User) -> None:
    """Let a deactivated account sign in again."""
    require(actor, "user.manage", user)
    _ensure_not_deleted(user)
    if user.active:
        raise Conflict(_("Dit account is al actief."))
    user.active = True
    audit.record("user_reactivated", actor=actor, subject=user)
    db.session.flush()


def _require_functionary(user: User) -> None:
    _ensure_not_deleted(user)
    if user.role != Role.FUNCTIONARY:
        raise Invalid(_("Alleen themafunctionarissen kunnen aan thema's en regio's worden gekoppeld."))


def _linked_theme_ids(user: User) -> set[int]:
    return set(
        db.session.scalars(select(FunctionaryTheme.theme_id).where(FunctionaryTheme.user_id == user.id))
    )


def link_theme(actor, user: User, theme: Theme) -> None:
    """Link a functionary to a theme (they become a contact for it)."""
    require(actor, "assignment.manage", user)
    _require_functionary(user)
    if theme.id in _linked_theme_ids(user):
        raise Conflict(_("Deze functionaris is al aan dit thema gekoppeld."))
    db.session.add(FunctionaryTheme(user_id=user.id, theme_id=theme.id))
    audit.record("theme_linked", actor=actor, subject=user, theme=theme.slug)
    db.session.flush()
    db.session.expire(user, ["themes"])


def unlink_theme(actor, user: User, theme: Theme) -> None:
    """Unlink a functionary from a theme; their coaching assignments for that theme end with it."""
    require(actor, "assignment.manage", user)
    _require_functionary(user)
    if theme.id not in _linked_theme_ids(user):
        raise Conflict(_("Deze functionaris is niet aan dit thema gekoppeld."))
    db.session.execute(
        delete(FunctionaryTheme).where(
            FunctionaryTheme.user_id == user.id, FunctionaryTheme.theme_id == theme.id
        )
    )
    removed = db.session.execute(
        delete(CoachingAssignment).where(
            CoachingAssignment.user_id == user.id, CoachingAssignment.theme_id == theme.id
        )
    ).rowcount
    audit.record("theme_unlinked", actor=actor, subject=user, theme=theme.slug, assignments_removed=removed)
    db.session.flush()
    db.session.expire(user, ["themes", "assignments"])


def set_functionary_themes(actor, user: User, themes: Iterable[Theme]) -> None:
    """Make a functionary's theme links exactly `themes` (links and unlinks the difference)."""
    require(actor, "assignment.manage", user)
    _require_functionary(user)
    wanted = {t.id: t for t in themes}
    current = _linked_theme_ids(user)
    for theme_id, theme in wanted.items():
        if theme_id not in current:
            link_theme(actor, user, theme)
    if current - wanted.keys():
        for theme in db.session.scalars(select(Theme).where(Theme.id.in_(current - wanted.keys()))):
            unlink_theme(actor, user, theme)


def assign_functionary(actor, user: User, region: Region, theme: Theme | None = None) -> CoachingAssignment:
    """Assign a functionary to coach a region on one of their themes, or (theme None) on all of them.

    An "all themes" assignment replaces the region's single-theme assignments of that functionary.
    Raises Invalid when the functionary is not linked to the theme, Conflict when it is already covered.
    """
    require(actor, "assignment.manage", user)
    _require_functionary(user)
    existing = list(
        db.session.scalars(
            select(CoachingAssignment).where(
                CoachingAssignment.user_id == user.id, CoachingAssignment.region_id == region.id
            )
        )
    )
    if any(a.theme_id is None for a in existing):
        raise Conflict(_("Deze functionaris coacht deze regio al op al zijn of haar thema's."))
    if theme is not None:
        if theme.id not in _linked_theme_ids(user):
            raise Invalid.on_field("theme", _("Koppel de functionaris eerst aan dit thema."))
        if any(a.theme_id == theme.id for a in existing):
            raise Conflict(_("Deze functionaris coacht deze regio al op dit thema."))
    else:
        for assignment in existing:
            db.session.delete(assignment)
        db.session.flush()
    assignment = CoachingAssignment(
        user_id=user.id, region_id=region.id, theme_id=theme.id if theme else None
    )
    db.session.add(assignment)
    audit.record(
        "assignment_added",
        actor=actor,
        subject=user,
        region=region.code,
        theme=theme.slug if theme else None,
        replaced=len(existing) if theme is None else 0,
    )
    db.session.flush()
    db.session.expire(user, ["assignments"])
    return assignment


def unassign_functionary(actor, assignment: CoachingAssignment) -> None:
    """End a coaching assignment."""
    user = assignment.user
    require(actor, "assignment.manage", user)
    audit.record(
        "assignment_removed",
        actor=actor,
        subject=user,
        region=assignment.region.code,
        theme=assignment.theme.slug if assignment.theme else None,
    )
    db.session.delete(assignment)
    db.session.flush()
    db.session.expire(user, ["assignments"])
