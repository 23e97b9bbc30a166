"""Rules about practices, results, cycle steps and coaching feedback."""

from __future__ import annotations

from exchange.accounts.models import Role
from exchange.policy.accounts import coaches, is_admin, is_staff_of
from exchange.policy.registry import rule
from exchange.policy.system import is_system


def _coaches_practice(user, practice) -> bool:
    return coaches(user, practice.region_id, [t.id for t in practice.themes])


@rule("practice.view")
def view_practice(user, practice) -> bool:
    if practice.is_published:
        return True
    if user is None:
        return False
    return is_admin(user) or is_staff_of(user, practice.region_id) or _coaches_practice(user, practice)


@rule("practice.create")
def create_practice(user, region) -> bool:
    """`region` is the region the practice will belong to. The system actor (imports, seeding) may too."""
    return is_system(user) or (user is not None and is_staff_of(user, region.id))


@rule("practice.edit")
def edit_practice(user, practice) -> bool:
    """Edit, publish, archive, move through the cycle, add results: the region's staff, or the system actor."""
    return is_system(user) or (user is not None and is_staff_of(user, practice.region_id))


@rule("practice.publish")
def publish_practice(user, practice) -> bool:
    return edit_practice(user, practice)


@rule("practice.archive")
def archive_practice(user, practice) -> bool:
    return edit_practice(user, practice)


@rule("practice.history")
def practice_history(user, practice) -> bool:
    """Revisions show who changed what: the region, its coaches and administrators."""
    if user is None:
        return False
    return is_admin(user) or is_staff_of(user, practice.region_id) or _coaches_practice(user, practice)


@rule("result.add")
def add_result(user, practice) -> bool:
    return edit_practice(user, practice)


@rule("result.edit")
def edit_result(user, result) -> bool:
    """Correct a result or rename its series: the staff of the result's region, or the system actor (imports)."""
    return edit_practice(user, result.practice)


@rule("result.delete")
def delete_result(user, result) -> bool:
    return edit_practice(user, result.practice)


@rule("feedback.view")
def view_feedback(user, practice) -> bool:
    """Feedback is never public: the region's staff, its coaches on the practice's themes, administrators."""
    return practice_history(user, practice)


@rule("feedback.post")
def post_feedback(user, practice) -> bool:
    if user is None:
        return False
    return is_staff_of(user, practice.region_id) or _coaches_practice(user, practice)


@rule("dashboard.view")
def view_dashboard(user, obj) -> bool:
    return user is not None and user.role in (Role.FUNCTIONARY, Role.ADMIN)
