"""The map of the 42 youth-care regions: geometry, map data per page, SVG and CSV rendering."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("maps", __name__)
