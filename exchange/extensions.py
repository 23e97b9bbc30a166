"""Flask extensions: created here, bound to the app in create_app."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from exchange.database import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
mail = Mail()
login_manager = LoginManager()
# No default limits: limits are declared where they protect something (login, subscribe, API).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
