"""Configuration defaults, and the loading order: code, instance/config.py, environment."""

import os
import secrets
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask

DEFAULTS = {
    # Days between a unit arriving and the order shipping; part of every promise date.
    "HANDLING_DAYS": 2,
    # The shop's calendar ("today" for promises and schedules) and the clock times shown.
    "SHOP_TIMEZONE": "UTC",
    # Products re-dated per transaction by `refresh-promises` (a checkout waits one batch).
    "REFRESH_BATCH_PRODUCTS": 10,
    "SHIPPING_FEE_CENTS": 495,
    "CURRENCY": "USD",
    "LOCALE": "en_US",
    "CATALOG_PAGE_SIZE": 24,
    "BACKORDERS_RETURNING_CUSTOMERS_ONLY": False,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": True,
    "TRACK_LOOKUP_RATE_LIMIT": "10 per minute",
    # How many reverse proxies stand in front of the app (0: clients connect directly).
    "TRUSTED_PROXIES": 0,
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "WTF_CSRF_TIME_LIMIT": None,
    # A staff session not used for this long is signed out.
    "STAFF_IDLE_MINUTES": 60,
}


def load_config(app: Flask, test_config: dict | None) -> None:
    app.config.from_mapping(DEFAULTS)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(
        Path(app.instance_path) / "storefront.sqlite3"
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("STOREFRONT")
        # from_prefixed_env reads values as JSON: a key of digits would become a number.
        if "STOREFRONT_SECRET_KEY" in os.environ:
            app.config["SECRET_KEY"] = os.environ["STOREFRONT_SECRET_KEY"]
        if os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    else:
        app.config.from_mapping(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path))
    check_time_zone(app.config["SHOP_TIMEZONE"])


def check_time_zone(name) -> None:
    """Refuse to start with a time zone the system does not know (a typo would move dates)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(
            f"SHOP_TIMEZONE {name!r} is not a known time zone; use a name from the IANA "
            "database such as 'Europe/Berlin', 'America/New_York' or 'UTC'."
        ) from None


def normalise_database_url(url: str) -> str:
    """Accept the common `postgres://` spellings and use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secret_key(instance: Path) -> str:
    """Generate the secret key on first start and keep it in instance/ (never in git).

    Several workers may start at once: the key is written to a private temporary file and
    linked into place, so exactly one key wins and nobody reads a half-written file.
    """
    key_file = instance / "secret_key"
    if not key_file.exists():
        instance.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=instance, prefix=".secret_key.")
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
            os.link(temporary, key_file)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    return key_file.read_text().strip()
