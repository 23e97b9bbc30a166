"""Rules about personal data export: people download what is held about themselves."""

from __future__ import annotations

from exchange.policy.accounts import is_self
from exchange.policy.registry import rule


@rule("account.export_data")
def export_own_data(user, account) -> bool:
    """Download everything held about one's own account (exchange/privacy/export.py)."""
    return is_self(user, account)
