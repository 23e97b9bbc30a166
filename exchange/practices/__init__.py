"""Practices (praktijkvoorbeelden), their results, cycle steps, revisions and coaching feedback."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("practices", __name__)
