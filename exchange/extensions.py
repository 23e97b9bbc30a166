"""Flask extensions: created here, bound to the app in create_app."""

from __future__ import annotations

from flask import g, has_app_context
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session
from flask_wtf import CSRFProtect

from exchange.database import Base

_ADOPT_KEY = "_objects_for_the_orm_session"


class RequestSession(Session):
    """Flask-SQLAlchemy's session of an application context, which adopts the objects `adopt` was given
    before it existed: it is created on first use, so those objects are part of it before anything reads or
    writes through it."""

    def __init__(self, db: SQLAlchemy, **kwargs) -> None:
        super().__init__(db, **kwargs)
        if has_app_context():
            for obj in g.pop(_ADOPT_KEY, ()):
                self.add(obj)


def adopt(obj) -> None:
    """Make the detached `obj` an object of this application context's ORM session: now when the session
    exists, else when it is first used (creating a session, adding to it and closing it cost a signed-in
    request that never uses it about a fifth of its time)."""
    if db.session.registry.has():
        db.session.add(obj)
    else:
        g.setdefault(_ADOPT_KEY, []).append(obj)


def forget_adoptions(_exc: BaseException | None = None) -> None:
    """At the end of a request: what it left for a session it never used is not the next request's (an
    application context can outlive a request: tests, scripts)."""
    g.pop(_ADOPT_KEY, None)


def session_in_use() -> None:
    """Create this application context's ORM session now (adopting what waits), before code that may load
    relationships of an adopted object."""
    db.session()


db = SQLAlchemy(model_class=Base, session_options={"class_": RequestSession})
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
mail = Mail()
login_manager = LoginManager()
# No default limits: limits are declared where they protect something (login, subscribe, API).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
