"""Flask extensions, created unbound and bound to the app in `create_app`."""

from collections.abc import Callable
from typing import TypeVar

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

V = TypeVar("V", bound=Callable)

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
# Only the routes that declare a limit are limited. The busiest pages (catalog, product,
# cart, tracking, its poll, static files, health checks) are marked `unlimited`: nothing
# limits them anyway, and the mark spares the limiter's lookups on every request.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
_UNLIMITED: set[Callable] = set()


def unlimited(view: V) -> V:
    """`limiter.exempt`, and a filter that tells the limiter before it looks anything up."""
    _UNLIMITED.add(view)
    limiter.exempt(view)
    return view


@limiter.request_filter
def _no_limit_applies() -> bool:
    return current_app.view_functions.get(request.endpoint or "") in _UNLIMITED
