"""What the privacy statement, accessibility statement and colophon say, read from the running configuration.

The privacy statement is generated from the settings the code acts on (retention periods, link lifetimes, the
operator and processors), so changing a setting changes the statement. The accessibility statement reads the
date and method of the last check from data/accessibility.json, which a test keeps in step with the browser
tests' axe run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from email.utils import parseaddr
from functools import cache
from pathlib import Path

from flask import current_app

ACCESSIBILITY_FILE = Path(__file__).resolve().parent / "data" / "accessibility.json"


@dataclass(frozen=True)
class Retention:
    """How long personal data is kept, from the settings in config.py that the code applies."""

    audit_days: int
    audit_ip_days: int
    session_idle_days: int
    remember_days: int
    digest_retention_days: int
    digest_confirm_days: int
    data_link_hours: int
    invitation_days: int
    reset_minutes: int
    outbox_max_age_hours: int


def _days(value: timedelta) -> int:
    return int(value.total_seconds() // 86400)


def retention() -> Retention:
    config = current_app.config
    return Retention(
        audit_days=_days(config["AUDIT_RETENTION"]),
        audit_ip_days=_days(config["AUDIT_IP_RETENTION"]),
        session_idle_days=_days(config["SESSION_IDLE_LIMIT"]),
        remember_days=_days(config["REMEMBER_COOKIE_DURATION"]),
        digest_retention_days=_days(config["DIGEST_RETENTION"]),
        digest_confirm_days=_days(config["DIGEST_CONFIRM_VALID_FOR"]),
        data_link_hours=int(config["DIGEST_DATA_LINK_VALID_FOR"].total_seconds() // 3600),
        invitation_days=_days(config["INVITATION_VALID_FOR"]),
        reset_minutes=int(config["PASSWORD_RESET_VALID_FOR"].total_seconds() // 60),
        outbox_max_age_hours=int(config["MAIL_OUTBOX_MAX_AGE_HOURS"]),
    )


@dataclass(frozen=True)
class Operator:
    name: str | None
    email: str
    processors: list[str]
    mail_server: str | None


def operator() -> Operator:
    """Who runs the platform: OPERATOR_NAME, CONTACT_EMAIL (default: the sender address), PROCESSORS."""
    config = current_app.config
    email = config.get("CONTACT_EMAIL") or parseaddr(config["MAIL_DEFAULT_SENDER"])[1]
    return Operator(
        name=config.get("OPERATOR_NAME"),
        email=email,
        processors=list(config.get("PROCESSORS") or []),
        mail_server=config.get("MAIL_SERVER"),
    )


@dataclass(frozen=True)
class AccessibilityCheck:
    standard: str
    status: str  # "full", "partial" or "none" (the model statement's A, B, C)
    statement_date: date
    checked_on: date
    tool: str
    tool_version: str
    rule_tags: list[str]
    viewports: list[int]
    browser: str
    suite: str


@cache
def _accessibility_data() -> dict:
    return json.loads(ACCESSIBILITY_FILE.read_text(encoding="utf-8"))


def accessibility_check() -> AccessibilityCheck:
    """The last check, as recorded in data/accessibility.json."""
    data = _accessibility_data()
    return AccessibilityCheck(
        standard=data["standard"],
        status=data["status"],
        statement_date=date.fromisoformat(data["statement_date"]),
        checked_on=date.fromisoformat(data["checked_on"]),
        tool=data["tool"],
        tool_version=data["tool_version"],
        rule_tags=list(data["rule_tags"]),
        viewports=list(data["viewports"]),
        browser=data["browser"],
        suite=data["suite"],
    )
