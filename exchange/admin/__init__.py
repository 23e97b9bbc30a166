"""Administration under /beheer: the `admin` blueprint and its index page.

The screens themselves live with their domain and add their routes to this blueprint: people and coaching in
exchange/accounts/admin.py, reference data in exchange/reference/admin.py (endpoints stay `admin.*`).
"""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from exchange.extensions import login_manager

bp = Blueprint("admin", __name__)


@bp.before_request
def require_login():
    """Every /beheer page asks for a signed-in user first; the policy then decides per page."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None
