"""Flask-Login wiring: the cookie carries user id and the sign-in's secret; an ended sign-in loads nobody."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from exchange.accounts.models import User
from exchange.accounts.services.sessions import load_signed_in_user
from exchange.extensions import login_manager

login_manager.login_message = _l("Log in om deze pagina te bekijken.")
login_manager.login_message_category = "info"
login_manager.needs_refresh_message = _l("Log opnieuw in om verder te gaan.")
login_manager.needs_refresh_message_category = "info"


@login_manager.user_loader
def load_user(cookie_id: str) -> User | None:
    return load_signed_in_user(cookie_id)
