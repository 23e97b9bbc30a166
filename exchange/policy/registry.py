"""The table of rules: one function per action name, registered by the rule modules of this package."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
