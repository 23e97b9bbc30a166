"""Reference data: regions, transformation plans, action lines, themes, cycle phases and the fund."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reference", __name__)
