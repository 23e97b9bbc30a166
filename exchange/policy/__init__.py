"""The one place that answers "may this user do this to this object?" for views, API and CLI.

Rules are plain functions registered per action name (e.g. "practice.edit") by the modules in this package.
`can()` answers, `require()` raises NotAllowed. Anonymous users are passed as None; the command line, imports
and seeding act as SYSTEM, the one system actor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from exchange.accounts.models import Role
from exchange.errors import NotAllowed


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


Rule = Callable[[Any, Any], bool]
RULES: dict[str, Rule] = {}


def rule(action: str) -> Callable[[Rule], Rule]:
    """Register the rule function for an action name."""

    def register(func: Rule) -> Rule:
        if action in RULES:
            raise RuntimeError(f"rule for {action!r} registered twice")
        RULES[action] = func
        return func

    return register


def _actor(user):
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    return user


def can(user, action: str, obj: Any = None) -> bool:
    """True when `user` (None or anonymous for visitors) may perform `action` on `obj`."""
    _load_rules()
    try:
        check = RULES[action]
    except KeyError as exc:
        raise LookupError(f"no policy rule for action {action!r}") from exc
    return bool(check(_actor(user), obj))


def require(user, action: str, obj: Any = None) -> None:
    """Raise NotAllowed unless `can(user, action, obj)`."""
    if not can(user, action, obj):
        raise NotAllowed(code=f"forbidden:{action}")


_loaded = False


def _load_rules() -> None:
    global _loaded
    if not _loaded:
        from exchange.policy import rules  # noqa: F401  (imports register the rules)

        _loaded = True
