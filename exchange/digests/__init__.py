"""Theme subscriptions and email digests: double opt-in, one email per subscriber and period, one-click unsubscribe."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("digests", __name__)
