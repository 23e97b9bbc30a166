"""The workspace (/werkruimte): where signed-in people land, with what needs their attention per role."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("workspace", __name__)
