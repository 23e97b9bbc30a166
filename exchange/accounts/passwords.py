"""Password hashing (Argon2id) and the password rules: a minimum length and no common passwords."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _

COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "common-passwords.txt"
_EDGES = re.compile(r"^[\d\W_]+|[\d\W_]+$")


def _hasher() -> PasswordHasher:
    config = current_app.config
    return _cached_hasher(
        config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"], config["ARGON2_PARALLELISM"]
    )


@lru_cache(maxsize=4)
def _cached_hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password against a stored hash. Without a hash, still spend the time of one check."""
    hasher = _hasher()
    if not password_hash:
        # Same cost whether or not the account exists, so timing does not reveal it.
        _burn(hasher, password)
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _burn(hasher: PasswordHasher, password: str) -> None:
    try:
        hasher.verify(_dummy_hash(hasher), password)
    except (VerificationError, InvalidHashError):
        pass


@lru_cache(maxsize=4)
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("not a real password: only used to spend time")


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than configured now (rehash at the next login)."""
    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def password_problems(password: str, *, email: str | None = None, name: str | None = None) -> list[str]:
    """Dutch explanations of what is wrong with a new password; empty when it is acceptable."""
    config = current_app.config
    minimum, maximum = config["PASSWORD_MIN_LENGTH"], config["PASSWORD_MAX_LENGTH"]
    if len(password) < minimum:
        return [_("Kies een wachtwoord van minstens %(n)s tekens.", n=minimum)]
    if len(password) > maximum:
        return [_("Kies een wachtwoord van hoogstens %(n)s tekens.", n=maximum)]
    lowered = password.lower()
    core = _EDGES.sub("", lowered)
    common = common_passwords()
    if lowered in common or core in common or len(set(lowered)) < 4:
        return [
            _(
                "Dit wachtwoord is te gangbaar of te eenvoudig. Kies een ander, bijvoorbeeld een zin van een "
                "paar losse woorden."
            )
        ]
    personal = {
        email.lower() if email else "",
        (email or "").split("@")[0].lower(),
        (name or "").strip().lower(),
    }
    if any(part and len(part) >= 4 and part in lowered for part in personal):
        return [_("Het wachtwoord mag niet uw naam of e-mailadres bevatten.")]
    return []
