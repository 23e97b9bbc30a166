"""Atom feeds of published practices per theme and region, and of any search (`/zoeken/feed.atom?q=...`)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("feeds", __name__)
