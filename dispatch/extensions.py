"""Flask extensions, created unbound and bound in ``create_app``."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from dispatch.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Storage is in memory per process (the limits are a courtesy against floods from one address);
# a deployment with several gunicorn processes can point RATELIMIT_STORAGE_URI at Redis.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
