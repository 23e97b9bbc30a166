"""General pages: home, health check, about and accessibility statement."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pages", __name__)
