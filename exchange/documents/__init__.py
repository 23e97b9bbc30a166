"""Documents attached to practices: plans, evaluations, factsheets; stored by checksum, their text searchable."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("documents", __name__)
