"""Input rules and account invariants shared by the account services: addresses, names, passwords, roles."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import func, select

from exchange.accounts.models import Role, User
from exchange.accounts.passwords import password_problems
from exchange.errors import Conflict, Invalid
from exchange.extensions import db
from exchange.mail.addresses import EMAIL_MAX, normalise_email  # noqa: F401 - the one address policy, re-exported
from exchange.reference.models import Region, Theme

NAME_MAX = 120


def clean_name(name: str | None, *, required: bool = False) -> str:
    """Collapse whitespace in a display name; raise Invalid (field "name") when missing but required, or too long."""
    name = " ".join((name or "").split())
    if required and not name:
        raise Invalid.on_field("name", _("Vul uw naam in."))
    if len(name) > NAME_MAX:
        raise Invalid.on_field("name", _("De naam is te lang (hoogstens %(n)s tekens).", n=NAME_MAX))
    return name


def check_password(password: str, *, email: str, name: str = "", field: str = "password") -> None:
    """Raise Invalid on `field` with the first problem of a new password (too short, too like the address, ...)."""
    problems = password_problems(password or "", email=email, name=name)
    if problems:
        raise Invalid.on_field(field, problems[0])


def check_combination(role: Role, region: Region | None, themes: Iterable[Theme]) -> None:
    """Raise Invalid unless regional staff have exactly one region and only functionaries have themes."""
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
    """The account with this (already normalised) address, deleted or not, or None."""
    return db.session.scalar(select(User).where(User.email == email))


def ensure_email_free(email: str) -> None:
    """Raise Conflict (field "email") when the address has an account already."""
    if find_user_by_email(email) is not None:
        message = _("Er bestaat al een account met dit e-mailadres.")
        raise Conflict(message, details={"fields": {"email": message}})


def _active_admin_count() -> int:
    return db.session.scalar(
        select(func.count(User.id)).where(
            User.role == Role.ADMIN, User.active.is_(True), User.deleted_at.is_(None)
        )
    )


def ensure_not_last_admin(user: User, message: str) -> None:
    """Raise Conflict with `message` when `user` is the last active administrator."""
    if user.role == Role.ADMIN and user.active and _active_admin_count() <= 1:
        raise Conflict(message)


def ensure_not_deleted(user: User) -> None:
    """Raise Conflict when the account has been deleted (its row stays, anonymised)."""
    if user.deleted_at is not None:
        raise Conflict(_("Dit account is verwijderd."))
