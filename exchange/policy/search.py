"""Rules about search administration: the synonym list and the searches that found nothing."""

from __future__ import annotations

from exchange.policy.accounts import is_admin
from exchange.policy.registry import rule


@rule("search.manage")
def manage_search(user, obj) -> bool:
    """Edit the synonym list and see (and clear) the searches that found nothing."""
    return is_admin(user)
