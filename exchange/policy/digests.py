"""Rules about theme digests: only administrators see runs and preview someone's next digest."""

from __future__ import annotations

from exchange.policy.accounts import is_admin
from exchange.policy.registry import rule


@rule("digest.runs")
def view_digest_runs(user, obj) -> bool:
    """The list of digest runs (when, period, sent, failures) and the subscriber search."""
    return is_admin(user)


@rule("digest.preview")
def preview_digest(user, subscriber) -> bool:
    """Preview the next digest of any subscriber (it shows their address and what they follow)."""
    return is_admin(user)
