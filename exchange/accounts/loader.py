"""Flask-Login wiring: the cookie carries user id and session token; a changed token ends the session."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from exchange.accounts.models import User
from exchange.extensions import db, login_manager

login_manager.login_message = _l("Log in om deze pagina te bekijken.")
login_manager.login_message_category = "info"
login_manager.needs_refresh_message = _l("Log opnieuw in om verder te gaan.")
login_manager.needs_refresh_message_category = "info"


@login_manager.user_loader
def load_user(cookie_id: str) -> User | None:
    user_id, _, token = cookie_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_token != token:
        return None
    return user
