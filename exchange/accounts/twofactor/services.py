"""Second-factor services: set up, check a code (TOTP once per time-step, recovery codes once), recovery
codes, turning off (staff only) and the administrator's reset. Every change and every wrong code is audited.

Services take the acting user first, ask the policy, flush and never commit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update

from exchange import audit
from exchange.accounts.models import Role, User
from exchange.accounts.passwords import verify_password
from exchange.accounts.services.sessions import end_sessions
from exchange.accounts.twofactor.models import RecoveryCode, TwoFactor, new_device_secret
from exchange.database import utcnow
from exchange.errors import Invalid, NotAllowed
from exchange.extensions import db
from exchange.policy import require

ISSUER = "Jeugdkennis"
REQUIRED_ROLES = frozenset({Role.ADMIN, Role.FUNCTIONARY})
RECOVERY_CODE_COUNT = 10
# 16 characters from 31 (no 0/o, 1/i/l) is ~79 bits: a stolen hash cannot be guessed back.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 16
STEP_SECONDS = 30
CODE_FIELD_MAX = 40

_wrong_code = _l("Deze code klopt niet, is verlopen of is al gebruikt.")
_wrong_password = _l("Het wachtwoord klopt niet.")


class CodeRefused(Invalid):
    default_message = _wrong_code

    def __init__(self):
        super().__init__(code="wrong_code", details={"fields": {"code": str(_wrong_code)}})


def is_required(user: User) -> bool:
    """Administrators and functionaries must have a second factor; for staff it is optional."""
    return user.role in REQUIRED_ROLES


def second_factor(user: User) -> TwoFactor | None:
    return db.session.scalar(select(TwoFactor).where(TwoFactor.user_id == user.id))


def is_enabled(user: User) -> bool:
    return (
        db.session.scalar(
            select(TwoFactor.id).where(TwoFactor.user_id == user.id, TwoFactor.confirmed_at.is_not(None))
        )
        is not None
    )


def unused_recovery_codes(user: User) -> int:
    return db.session.scalar(
        select(func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )


def provisioning_uri(user: User, tf: TwoFactor) -> str:
    return pyotp.TOTP(tf.secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str, title: str) -> str:
    """The QR code of `uri` as an inline <svg> element (no image request, nothing the CSP would block)."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=2, title=title, dark="#000", light="#fff")


def format_secret(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def begin_setup(actor, user: User) -> TwoFactor:
    """The unconfirmed second factor `user` is setting up (made with a new secret when there is none).

    Raises NotAllowed for anyone but the person, Invalid when the second factor is already on."""
    require(actor, "account.edit_self", user)
    tf = second_factor(user)
    if tf is not None and tf.is_confirmed:
        raise Invalid(_l("De tweede factor staat al aan."), code="already_enabled")
    if tf is None:
        tf = TwoFactor(user_id=user.id, secret=pyotp.random_base32())
        db.session.add(tf)
        db.session.flush()
    return tf


def confirm_setup(actor, user: User, password: str, code: str, *, ip: str | None = None) -> list[str]:
    """Turn the second factor on once the person proves the password and a code from their app.

    Returns the new recovery codes (shown once, stored hashed). Raises Invalid on a wrong password or code."""
    tf = begin_setup(actor, user)
    _check_password(user, password)
    if not _accept_totp(tf, code):
        _record_failure(user, ip, "setup")
        raise CodeRefused()
    tf.confirmed_at = utcnow()
    tf.device_secret = new_device_secret()
    codes = _new_recovery_codes(user)
    audit.record("twofactor_enabled", actor=actor, subject=user, ip=ip)
    db.session.flush()
    return codes


def verify_code(user: User, code: str, *, ip: str | None = None) -> str:
    """Check a sign-in code: a TOTP code (each time-step once) or an unused recovery code (then used up).

    Returns "totp" or "recovery". Raises CodeRefused (audited) otherwise. No policy question: the person
    proved the password a moment ago, and this is how they prove the rest."""
    tf = second_factor(user)
    if tf is None or not tf.is_confirmed:
        raise CodeRefused()
    if _accept_totp(tf, code):
        return "totp"
    if _use_recovery_code(user, code):
        audit.record(
            "recovery_code_used", actor=user, subject=user, ip=ip, remaining=unused_recovery_codes(user)
        )
        db.session.flush()
        return "recovery"
    _record_failure(user, ip, "sign_in")
    raise CodeRefused()


def regenerate_recovery_codes(
    actor, user: User, password: str, code: str, *, ip: str | None = None
) -> list[str]:
    """Replace every recovery code with ten new ones (password and a current code required)."""
    require(actor, "account.edit_self", user)
    tf = _enabled(user)
    _check_password(user, password)
    if not _accept_totp(tf, code):
        _record_failure(user, ip, "recovery_codes")
        raise CodeRefused()
    codes = _new_recovery_codes(user)
    audit.record("recovery_codes_regenerated", actor=actor, subject=user, ip=ip)
    db.session.flush()
    return codes


def disable(actor, user: User, password: str, code: str, *, ip: str | None = None) -> None:
    """Turn the second factor off: staff only (it is required for administrators and functionaries)."""
    require(actor, "account.edit_self", user)
    if is_required(user):
        raise NotAllowed(_l("Voor uw rol is een tweede factor verplicht."))
    tf = _enabled(user)
    _check_password(user, password)
    if not _accept_totp(tf, code):
        _record_failure(user, ip, "disable")
        raise CodeRefused()
    _remove(user)
    audit.record("twofactor_disabled", actor=actor, subject=user, ip=ip)
    db.session.flush()


def reset(actor, user: User, *, ip: str | None = None) -> None:
    """An administrator removes a person's second factor (a lost phone): recovery codes and remembered
    devices go with it and every session ends, so the person signs in again and, if their role requires it,
    sets up a new one first."""
    require(actor, "user.manage", user)
    if second_factor(user) is None:
        raise Invalid(_l("Deze persoon heeft geen tweede factor ingesteld."), code="not_enabled")
    _remove(user)
    end_sessions(user)
    audit.record("twofactor_reset", actor=actor, subject=user, ip=ip)
    db.session.flush()


def current_code(secret: str, at: float | None = None) -> str:
    """The TOTP code of `secret` at time `at` (now): for the demo's documentation and for tests."""
    return pyotp.TOTP(secret).generate_otp(int((at if at is not None else time.time()) // STEP_SECONDS))


# --- helpers -------------------------------------------------------------------------------------------------


def _enabled(user: User) -> TwoFactor:
    tf = second_factor(user)
    if tf is None or not tf.is_confirmed:
        raise Invalid(_l("De tweede factor staat niet aan."), code="not_enabled")
    return tf


def _check_password(user: User, password: str) -> None:
    if not verify_password(user.password_hash, password or ""):
        raise Invalid.on_field("password", _wrong_password)


def _normalise(code: str | None) -> str:
    return "".join(ch for ch in (code or "")[:CODE_FIELD_MAX].lower() if ch.isalnum())


def _accept_totp(tf: TwoFactor, code: str | None) -> bool:
    """True when `code` is the code of the previous, current or next time-step and that step is later than
    the last one accepted. The step is claimed with one conditional UPDATE, so two requests racing with the
    same code cannot both pass."""
    code = _normalise(code)
    if len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(tf.secret)
    now = int(time.time() // STEP_SECONDS)
    for step in (now - 1, now, now + 1):
        if not hmac.compare_digest(totp.generate_otp(step), code):
            continue
        claimed = db.session.execute(
            update(TwoFactor)
            .where(TwoFactor.id == tf.id, or_(TwoFactor.last_step.is_(None), TwoFactor.last_step < step))
            .values(last_step=step)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.expire(tf, ["last_step"])
        return claimed == 1
    return False


def _hash_recovery(user: User, code: str) -> str:
    return hashlib.sha256(f"{user.id}:{code}".encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_recovery(user, raw)))
        codes.append("-".join(raw[i : i + 4] for i in range(0, RECOVERY_LENGTH, 4)))
    db.session.flush()
    return codes


def _use_recovery_code(user: User, code: str | None) -> bool:
    code = _normalise(code)
    if len(code) != RECOVERY_LENGTH:
        return False
    used = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash_recovery(user, code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    return used == 1


def _remove(user: User) -> None:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id))
    db.session.expire_all()


def _record_failure(user: User, ip: str | None, during: str) -> None:
    audit.record("twofactor_failed", actor=user, subject=user, ip=ip, during=during)
    db.session.flush()
