"""Why the policy said no: one Dutch sentence per refused action, for the 403 page (and the API's message).

A reason never reveals what the actor may not see: for a practice the actor may not view (another region's
draft) it stays the general sentence, without region or title. `explain()` also names the page to go back
to: the practice itself when the actor may see it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import has_request_context, url_for
from flask_babel import gettext as _

from exchange.accounts.models import Role
from exchange.policy.accounts import is_admin
from exchange.policy.practices import view_practice

Reason = Callable[[Any, Any], str | None]
REASONS: dict[str, Reason] = {}

# Actions only administrators may perform (rules in policy/accounts.py, digests.py and search.py).
ADMIN_ONLY = (
    "user.manage",
    "user.invite",
    "assignment.manage",
    "audit.view",
    "reference.edit",
    "digest.runs",
    "digest.preview",
    "search.manage",
)
# Changes to a practice and its results: the staff of its region. result.edit and result.delete are the
# actions of result correction (issue 12); naming them here is harmless before their rules exist.
PRACTICE_CHANGES = (
    "practice.edit",
    "practice.publish",
    "practice.archive",
    "result.add",
    "result.edit",
    "result.delete",
)
PRIVATE_PARTS = ("practice.history", "feedback.view")


def reason(*actions: str) -> Callable[[Reason], Reason]:
    """Register the function that explains a refusal of these actions (None: the general sentence)."""

    def register(func: Reason) -> Reason:
        for action in actions:
            REASONS[action] = func
        return func

    return register


def _practice(obj):
    """The practice an object belongs to: the practice itself, or a result's or message's practice."""
    return getattr(obj, "practice", None) or obj


def _region_name(thing) -> str:
    region = getattr(thing, "region", None)
    return getattr(region, "display_name", None) or "?"


def _visible(user, practice) -> bool:
    if user is None or not hasattr(practice, "is_published"):  # not a practice: say nothing specific
        return False
    return view_practice(user, practice)


@reason(*ADMIN_ONLY)
def admins_only(user, obj) -> str:
    return _("Alleen beheerders kunnen dit.")


@reason(*PRACTICE_CHANGES)
def region_staff_only(user, obj) -> str | None:
    practice = _practice(obj)
    if not _visible(user, practice):
        return None
    if user.role == Role.STAFF:
        return _(
            "Dit praktijkvoorbeeld hoort bij regio %(region)s; u werkt voor regio %(yours)s.",
            region=_region_name(practice),
            yours=_region_name(user),
        )
    return _(
        "Alleen medewerkers van regio %(region)s kunnen dit praktijkvoorbeeld wijzigen.",
        region=_region_name(practice),
    )


@reason(*PRIVATE_PARTS)
def region_and_coaches_only(user, obj) -> str | None:
    if not _visible(user, _practice(obj)):
        return None
    return _("Dit is alleen zichtbaar voor de regio, haar themafunctionarissen en beheerders.")


@reason("feedback.post")
def feedback_writers_only(user, obj) -> str | None:
    practice = _practice(obj)
    if not _visible(user, practice):
        return None
    if is_admin(user):
        return _("Beheerders lezen mee; berichten plaatsen de regio en haar themafunctionarissen.")
    return _(
        "Alleen medewerkers van regio %(region)s en de themafunctionarissen die haar op dit thema "
        "begeleiden plaatsen hier berichten.",
        region=_region_name(practice),
    )


@reason("practice.create")
def staff_write(user, region) -> str:
    if user is not None and user.role == Role.STAFF and getattr(region, "display_name", None):
        return _(
            "U werkt voor regio %(yours)s; praktijkvoorbeelden van regio %(region)s schrijft die regio zelf.",
            yours=_region_name(user),
            region=region.display_name,
        )
    return _("Alleen medewerkers van een regio schrijven praktijkvoorbeelden.")


@reason("dashboard.view")
def dashboard_roles(user, obj) -> str:
    return _("Het dashboard is er voor themafunctionarissen en beheerders.")


@reason("account.edit_self", "account.export_data")
def own_account_only(user, account) -> str:
    return _("U kunt alleen uw eigen account beheren.")


def explain(user, action: str, obj: Any = None) -> tuple[str | None, tuple[str, str] | None]:
    """(Dutch reason or None for the general sentence, (url, label) of the page to go back to or None)."""
    if user is None:
        return _("Log eerst in; daarna kunt u het opnieuw proberen."), None
    explain_action = REASONS.get(action)
    message = explain_action(user, obj) if explain_action else None
    return message, _back(user, obj)


def _back(user, obj) -> tuple[str, str] | None:
    practice = _practice(obj)
    if not has_request_context() or getattr(practice, "id", None) is None or not hasattr(practice, "title"):
        return None
    if not _visible(user, practice):
        return None
    return (
        url_for("practices.detail", practice_id=practice.id),
        _("Terug naar ‘%(title)s’", title=practice.title),
    )
