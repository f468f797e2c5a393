"""Configuration defaults, and the loading order: code, instance/config.py, environment."""

import logging
import os
import secrets
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from flask import Flask

log = logging.getLogger("storefront.config")

DEFAULTS = {
    # "production" (STOREFRONT_ENV=production) refuses settings that only work in one process.
    "ENV": "development",
    "LOG_LEVEL": "INFO",
    # Days between a unit arriving and the order shipping; part of every promise date.
    "HANDLING_DAYS": 2,
    # "learned": pad every promise date with its supplier's recent lateness (p90).
    "PROMISE_BUFFER": "none",
    # The shop's calendar ("today" for promises and schedules) and the clock times shown.
    "SHOP_TIMEZONE": "UTC",
    # Products re-dated per transaction by `refresh-promises` (a checkout waits one batch).
    "REFRESH_BATCH_PRODUCTS": 10,
    "SHIPPING_FEE_CENTS": 495,
    # When the shopper pays, in words on the checkout, confirmation and cancel pages.
    "PAYMENT_TERMS": (
        "Nothing is charged online. Waiting units are not charged until they ship, and "
        "units you cancel are never charged."
    ),
    "CURRENCY": "USD",
    "LOCALE": "en_US",
    "CATALOG_PAGE_SIZE": 24,
    "BACKORDERS_RETURNING_CUSTOMERS_ONLY": False,
    "RATELIMIT_STORAGE_URI": "memory://",
    # A Redis that is down must not turn lookups and logins into errors: each process then
    # counts on its own until Redis answers again (the limiter logs both moments).
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_SWALLOW_ERRORS": True,
    "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    "RATELIMIT_HEADERS_ENABLED": True,
    "TRACK_LOOKUP_RATE_LIMIT": "10 per minute",
    # How many reverse proxies stand in front of the app (0: clients connect directly).
    "TRUSTED_PROXIES": 0,
    "MAX_CONTENT_LENGTH": 64 * 1024,
    # hide_parameters: a database error in the log never shows the values (emails, names).
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "WTF_CSRF_TIME_LIMIT": None,
    # Links in emails are built from this, as no request is around when they are written.
    "PUBLIC_URL": "http://127.0.0.1:5000",
    # Without MAIL_SERVER, emails are written as .eml files under MAIL_FILE_DIR.
    "MAIL_SERVER": "",
    "MAIL_PORT": None,  # 465 with MAIL_USE_SSL, 587 with MAIL_USE_TLS, else 25
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_DEFAULT_SENDER": "Storefront <shop@localhost>",
    "MAIL_FILE_DIR": None,  # default: instance/mail
    "MAIL_TIMEOUT": 20,
    "MAIL_MAX_ATTEMPTS": 8,
    # Back-off after the n-th failed attempt: MAIL_RETRY_SECONDS * 2**(n-1), at most 6 hours.
    "MAIL_RETRY_SECONDS": 60,
    "MAIL_BATCH_SIZE": 10,
    # A claimed message is retried after this long if its worker never reports back; keep
    # it well above MAIL_BATCH_SIZE * MAIL_TIMEOUT.
    "MAIL_LEASE_SECONDS": 600,
    "MAIL_POLL_SECONDS": 2,
    "ALERT_SIGNUP_RATE_LIMIT": "10 per minute",
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
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A file on this host never drops a connection: testing each one before use (a
        # statement per request) only helps with a server across a network.
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, "pool_pre_ping": False}
    if app.config["PROMISE_BUFFER"] not in ("none", "learned"):
        raise ValueError(
            f"PROMISE_BUFFER must be 'none' or 'learned', not {app.config['PROMISE_BUFFER']!r}"
        )
    if app.config["ENV"] == "production":
        refuse_single_process_settings(app.config)
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


class UnsafeConfiguration(RuntimeError):
    """A production setting that cannot work with several processes or hosts."""


def refuse_single_process_settings(config) -> None:
    """Stop at start, naming every setting that would only work in one process."""
    problems = []
    if not config.get("SECRET_KEY"):
        problems.append(
            "SECRET_KEY is not set: a key generated on each host would make every other "
            "host reject its sessions. Set STOREFRONT_SECRET_KEY to the same long random "
            "value on every host."
        )
    if config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        problems.append(
            "RATELIMIT_STORAGE_URI is memory://: each worker would count on its own and "
            "let through the limit times the number of workers. Set "
            "STOREFRONT_RATELIMIT_STORAGE_URI to a shared Redis (redis://host:6379/0)."
        )
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        problems.append(
            "the database is SQLite, a file on one host. Set DATABASE_URL to PostgreSQL "
            "(postgresql://user@host/db)."
        )
    if problems:
        raise UnsafeConfiguration(
            "Refusing to start with STOREFRONT_ENV=production:\n"
            + "\n".join(f"- {problem}" for problem in problems)
        )


def warn_if_limits_per_process(app: Flask) -> None:
    """Say at start that a server with several workers multiplies memory:// rate limits.

    `flask run` and the commands run in one process (and inside click), where memory://
    counts right; a WSGI server such as gunicorn gets the warning.
    """
    in_cli = click.get_current_context(silent=True) is not None
    if app.testing or in_cli or not app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        return
    log.warning(
        "RATELIMIT_STORAGE_URI is memory://: every worker process counts rate limits on "
        "its own, so N workers allow N times the limit (order lookups, staff sign-in). "
        "Use a shared Redis: STOREFRONT_RATELIMIT_STORAGE_URI=redis://host:6379/0."
    )


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
