"""The one place that answers "may this user do this to this object?" for views, API and CLI.

Rules are plain functions registered per action name (e.g. "practice.edit") in policy.registry by the
modules of this package, which policy.rules imports.
`can()` answers, `require()` raises NotAllowed. Anonymous users are passed as None; the command line, imports
and seeding act as SYSTEM, the one system actor.
"""

from __future__ import annotations

from typing import Any

from exchange.errors import NotAllowed
from exchange.policy import rules  # noqa: F401  (importing the rule modules registers their rules)
from exchange.policy.reasons import explain
from exchange.policy.registry import RULES, Rule, rule
from exchange.policy.system import SYSTEM, SystemActor, is_system

__all__ = ["RULES", "SYSTEM", "Rule", "SystemActor", "can", "is_system", "require", "rule"]


def _actor(user):
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    return user


def can(user, action: str, obj: Any = None) -> bool:
    """True when `user` (None or anonymous for visitors) may perform `action` on `obj`."""
    try:
        check = RULES[action]
    except KeyError as exc:
        raise LookupError(f"no policy rule for action {action!r}") from exc
    return bool(check(_actor(user), obj))


def require(user, action: str, obj: Any = None) -> None:
    """Raise NotAllowed unless `can(user, action, obj)`; it says why (policy.reasons) and where to go back."""
    if not can(user, action, obj):
        message, back = explain(_actor(user), action, obj)
        raise NotAllowed(message, code=f"forbidden:{action}", back=back)
