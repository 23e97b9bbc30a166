"""Accounts: a person with one role; staff belong to one region, functionaries to themes and coached regions."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.database import utcnow
from exchange.extensions import db

if TYPE_CHECKING:
    from exchange.reference.models import Region, Theme


class Role(str, enum.Enum):
    STAFF = "staff"  # regiomedewerker
    FUNCTIONARY = "functionary"  # themafunctionaris (OZJ)
    ADMIN = "admin"  # beheerder


ROLE_LABELS = {
    Role.STAFF: _l("regiomedewerker"),
    Role.FUNCTIONARY: _l("themafunctionaris"),
    Role.ADMIN: _l("beheerder"),
}


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # Always stored lower-cased (see services.rules.normalise_email), so the unique constraint is case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[Role] = mapped_column(
        Enum(
            Role,
            native_enum=False,
            length=20,
            validate_strings=True,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"), index=True)
    # None until an invited person sets a password; also None after the account was deleted.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # The account's session generation: renewed whenever every session ends (password or address change, "sign
    # out everywhere", deactivation, deletion), so anything bound to it (a remembered device) ends too. The
    # sign-ins themselves are UserSession rows.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    active: Mapped[bool] = mapped_column(default=True)
    # The language of every mail to this person ("nl" or "en"); chosen in the account, set from the page language.
    language: Mapped[str] = mapped_column(String(5), default="nl", server_default="nl")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # The workspace's "new since your last visit" (exchange/workspace/services.record_visit): the last time the
    # workspace was shown, and the last time of the visit before the current one (what "new" is measured from).
    workspace_seen_at: Mapped[datetime | None]
    workspace_previous_visit_at: Mapped[datetime | None]
    # Set when the person deleted their account: the row stays (anonymised) so content keeps its author link.
    deleted_at: Mapped[datetime | None]

    region: Mapped[Region | None] = relationship()
    themes: Mapped[list[Theme]] = relationship(
        secondary="functionary_theme", viewonly=True, order_by="Theme.position"
    )
    assignments: Mapped[list[CoachingAssignment]] = relationship(
        back_populates="user", viewonly=True, order_by="CoachingAssignment.id"
    )

    __table_args__ = (
        CheckConstraint("role <> 'staff' OR region_id IS NOT NULL", name="staff_has_region"),
        CheckConstraint("role = 'staff' OR region_id IS NULL", name="only_staff_has_region"),
    )

    # The secret of the sign-in (UserSession) this object was loaded for or signed in with; not a column. It is
    # what Flask-Login writes into the session and remember-me cookies (see get_id), never stored in clear.
    session_key = None

    def get_id(self) -> str:
        """The login cookie's value: user id and the sign-in's secret. Without a sign-in it loads nobody."""
        return f"{self.id}:{self.session_key or ''}"

    def __eq__(self, other: object) -> bool:
        # Flask-Login compares users by get_id, which now differs per sign-in; one person is one user.
        if isinstance(other, User):
            return self is other or (self.id is not None and self.id == other.id)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = object.__hash__

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active and self.deleted_at is None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_invited(self) -> bool:
        """Invited but no password set yet."""
        return self.password_hash is None and self.deleted_at is None

    @property
    def role_label(self) -> str:
        return str(ROLE_LABELS[self.role])

    @property
    def display_name(self) -> str:
        if self.deleted_at is not None:
            return str(_l("Verwijderd account"))
        return self.name or self.email

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


class FunctionaryTheme(db.Model):
    """A functionary is linked to a theme (a contact for it nationally)."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<FunctionaryTheme user={self.user_id} theme={self.theme_id}>"


class CoachingAssignment(db.Model):
    """A functionary coaches a region, on one theme or (theme_id NULL) on all their themes."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), index=True)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="assignments")
    region: Mapped[Region] = relationship()
    theme: Mapped[Theme | None] = relationship()

    __table_args__ = (
        UniqueConstraint("user_id", "region_id", "theme_id"),
        # NULLs are distinct in the constraint above, so "all themes" needs its own partial unique index.
        Index(
            "uq_coaching_assignment_all_themes",
            "user_id",
            "region_id",
            unique=True,
            sqlite_where=text("theme_id IS NULL"),
            postgresql_where=text("theme_id IS NULL"),
        ),
    )

    def __repr__(self) -> str:
        return f"<CoachingAssignment user={self.user_id} region={self.region_id} theme={self.theme_id}>"


class TokenPurpose(str, enum.Enum):
    INVITE = "invite"
    RESET = "reset"
    EMAIL_CHANGE = "email_change"


class AccountToken(db.Model):
    """A one-time link (invitation, password reset, email change). Only a hash of the secret is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(
        Enum(
            TokenPurpose,
            native_enum=False,
            length=20,
            validate_strings=True,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The address to switch to, for an email change (confirmed through that address).
    new_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        CheckConstraint(
            "purpose <> 'email_change' OR new_email IS NOT NULL", name="email_change_has_address"
        ),
    )

    def __repr__(self) -> str:
        return f"<AccountToken {self.purpose.value} user={self.user_id}>"


class UserSession(db.Model):
    """One sign-in on one device: the session and remember-me cookies carry its secret, the table only its hash.

    Signing out deletes the row, so a copied cookie stops working; ending every session of a person deletes all
    of theirs. A row not seen for SESSION_IDLE_LIMIT no longer signs anyone in (`flask users purge-sessions`
    removes it).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_agent: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<UserSession {self.id} user={self.user_id}>"


class PasswordResetRequest(db.Model):
    """A "forgot password" request waiting to be handled after the answer has gone out.

    Every request is stored the same way whether or not the address has an account, so the answer takes the same
    time; handling it (exchange.accounts.services.password_reset.handle_reset_requests) mails a link only when it
    does, and deletes the row either way.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<PasswordResetRequest {self.id}>"


class AuditEvent(db.Model):
    """One line of the audit log: who did what to whom. Never holds passwords or token secrets."""

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    ip: Mapped[str | None] = mapped_column(String(45))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    subject: Mapped[User | None] = relationship(foreign_keys=[subject_id])

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action}>"
