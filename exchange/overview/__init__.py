"""The national overview (/overzicht): grouped queries, charts with tables, CSV downloads."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("overview", __name__)
