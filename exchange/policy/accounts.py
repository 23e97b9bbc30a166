"""Rules about people, assignments and reference data."""
from __future__ import annotations

from exchange.accounts.models import Role
from exchange.policy import rule


def is_admin(user) -> bool:
    return user is not None and user.role == Role.ADMIN


@rule("reference.edit")
def edit_reference(user, obj) -> bool:
    return is_admin(user)
