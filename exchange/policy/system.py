"""The one system actor: the platform itself acting without a person (CLI, imports, seeding)."""

from __future__ import annotations

from exchange.accounts.models import Role


class SystemActor:
    """The platform itself acting without a person: `flask ...` commands, `flask practices import` and seeding.

    It has administrator rights (so the rules' `is_admin` covers it) and may create and edit practices in
    every region (`is_system`). It has no account row: `id` is None, so rows and audit events it causes carry
    no author (audit records `via: cli`). Use the one instance, SYSTEM.
    """

    id = None
    role = Role.ADMIN
    region_id = None
    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_admin = True
    display_name = "command line"

    def __repr__(self) -> str:
        return "<SYSTEM>"


SYSTEM = SystemActor()


def is_system(user) -> bool:
    """True for the system actor (never for a person, however privileged)."""
    return user is SYSTEM
