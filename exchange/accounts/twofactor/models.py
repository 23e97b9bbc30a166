"""A person's second factor (TOTP secret, replay guard, device secret) and their hashed recovery codes."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from exchange.database import utcnow
from exchange.extensions import db


def new_device_secret() -> str:
    return secrets.token_urlsafe(24)


class TwoFactor(db.Model):
    """One per person. Unconfirmed (`confirmed_at` None) while the person is setting it up.

    The TOTP secret is stored as is: the server needs it to check codes. `last_step` is the last accepted
    30-second time-step, so a code is accepted once. `device_secret` signs the "remember this device" cookies;
    a new one forgets every remembered device.
    """

    __tablename__ = "two_factor"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    secret: Mapped[str] = mapped_column(String(64))
    confirmed_at: Mapped[datetime | None]
    last_step: Mapped[int | None]
    device_secret: Mapped[str] = mapped_column(String(64), default=new_device_secret)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    def __repr__(self) -> str:
        return f"<TwoFactor user={self.user_id} confirmed={self.is_confirmed}>"


class RecoveryCode(db.Model):
    """A single-use recovery code; only a hash is stored (the codes are shown once)."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)

    def __repr__(self) -> str:
        return f"<RecoveryCode {self.id} user={self.user_id} used={self.used_at is not None}>"
