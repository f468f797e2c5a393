"""Health endpoints for a load balancer: /healthz (the process answers) and /readyz."""

import logging

from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db, unlimited
from .logs import log_event

bp = Blueprint("health", __name__)
log = logging.getLogger("storefront.health")

# Storage the readiness check can ping; other Flask-Limiter storage is not checked.
REDIS_SCHEMES = ("redis://", "rediss://")
# A check that hangs would hold a worker: the load balancer's own timeout is a few seconds.
REDIS_TIMEOUT_SECONDS = 1


@bp.get("/healthz")
@unlimited
def alive():
    """The process is up and serving; touches no database, so a busy database restarts nothing."""
    return _answer({"status": "ok"}, 200)


@bp.get("/readyz")
@unlimited
def ready():
    """Ready for traffic: the database answers at the code's migration, Redis answers."""
    checks = {"database": _database(), "redis": _redis()}
    ok = all(result in ("ok", "not used", "not checked") for result in checks.values())
    return _answer({"status": "ok" if ok else "unavailable", **checks}, 200 if ok else 503)


def _answer(body: dict, status: int):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _database() -> str:
    try:
        with db.engine.connect() as connection:
            current = set(
                connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
            )
    except SQLAlchemyError as error:
        # The class only: a driver's message may name the server and user.
        log_event(log, "database unreachable", logging.WARNING, error=type(error).__name__)
        return "unreachable"
    return "ok" if current == migration_heads(current_app) else "migrations not at head"


def migration_heads(app: Flask) -> set[str]:
    heads = app.extensions.get("migration_heads")
    if heads is None:
        config = Config()
        config.set_main_option("script_location", app.extensions["migrate"].directory)
        heads = app.extensions["migration_heads"] = set(
            ScriptDirectory.from_config(config).get_heads()
        )
    return heads


def _redis() -> str:
    uri = current_app.config["RATELIMIT_STORAGE_URI"]
    if uri.startswith("memory://"):
        return "not used"
    if not uri.startswith(REDIS_SCHEMES):
        return "not checked"
    import redis

    try:
        client = redis.Redis.from_url(
            uri,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
        )
        with client:
            client.ping()
    except (redis.RedisError, OSError, ValueError) as error:
        log_event(log, "redis unreachable", logging.WARNING, error=type(error).__name__)
        return "unreachable"
    return "ok"
