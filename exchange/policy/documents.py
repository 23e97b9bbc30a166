"""Rules about documents attached to practices; the object is always the practice."""

from __future__ import annotations

from exchange.policy.accounts import is_admin
from exchange.policy.practices import edit_practice, view_practice
from exchange.policy.registry import rule


@rule("document.view")
def view_documents(user, practice) -> bool:
    """A practice's documents are seen by whoever may see the practice (a draft's are not public)."""
    return view_practice(user, practice)


@rule("document.manage")
def manage_documents(user, practice) -> bool:
    """Upload, edit and delete: the staff of the practice's region, administrators and the system actor."""
    return is_admin(user) or edit_practice(user, practice)
