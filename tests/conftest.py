"""Shared fixtures: an app on a fresh SQLite file, and on PostgreSQL with TEST_DATABASE_URL."""

import logging
import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from email import policy as email_policy
from email.message import EmailMessage
from email.parser import BytesParser
from itertools import count

import pytest
from sqlalchemy import Engine, create_engine, event, text

from storefront import create_app
from storefront.config import normalise_database_url
from storefront.database import dispose_reads_engine, reads_log
from storefront.extensions import db
from storefront.models import Product, StaffUser, Substitute

IN_CI = os.environ.get("CI") == "true"
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
TODAY = date.today()


def require(condition: bool, reason: str) -> None:
    """Skip a test whose service is missing, except in CI, where that is a failure."""
    if not condition:
        if IN_CI:
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)


def _postgres_reachable() -> bool:
    if not POSTGRES_URL:
        return False
    try:
        engine = create_engine(normalise_database_url(POSTGRES_URL))
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL or IN_CI else ["sqlite"]


def _migrate(url: str) -> None:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        from flask_migrate import upgrade

        upgrade(directory=str(app.extensions["migrate"].directory))
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_ready():
    require(
        _postgres_reachable(), f"PostgreSQL is not reachable at TEST_DATABASE_URL={POSTGRES_URL!r}"
    )
    url = normalise_database_url(POSTGRES_URL)
    _migrate(url)
    return url


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "shop.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_ready")
    yield url
    empty_postgres(url)


def empty_postgres(url: str) -> None:
    """Empty every table but the migration history, ready for the next test."""
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = conn.execute(
            text(
                "SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables "
                "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            )
        ).scalar()
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def app_config(database_url):
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "HANDLING_DAYS": 2,
    }


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
        dispose_reads_engine(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_skus = count(1)


@pytest.fixture
def make_product(app):
    """Create a product with sensible defaults; keyword arguments override any field."""

    def make(**fields) -> Product:
        n = next(_skus)
        fields.setdefault("sku", f"SKU-{n:04d}")
        fields.setdefault("name", f"Product {n}")
        fields.setdefault("slug", fields["sku"].lower())
        fields.setdefault("price_cents", 1000)
        fields.setdefault("category", "General")
        substitutes = fields.pop("substitutes", [])
        product = Product(**fields)
        db.session.add(product)
        db.session.flush()
        for rank, other in enumerate(substitutes, start=1):
            db.session.add(Substitute(product_id=product.id, substitute_id=other.id, rank=rank))
        db.session.commit()
        return product

    return make


@pytest.fixture
def staff_user(app):
    user = StaffUser(email="staff@example.com")
    user.set_password("correct horse battery")
    db.session.add(user)
    db.session.commit()
    return user


@contextmanager
def counted_queries():
    """The SQL statements run inside the block, transaction control left out: the session's
    (any engine's) and the quick reads, which go to the driver directly and say so in
    their log."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    class QuickReads(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            statements.append(record.getMessage())

    quick_reads = QuickReads(logging.DEBUG)
    level = reads_log.level
    reads_log.setLevel(logging.DEBUG)
    reads_log.addHandler(quick_reads)
    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", record)
        reads_log.removeHandler(quick_reads)
        reads_log.setLevel(level)


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


def free_port() -> int:
    """A loopback port nothing listens on (right now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpSink:
    """A real SMTP server (aiosmtpd) on loopback that keeps what it receives; it can be
    stopped and started again on the same port, as a mail server that goes down."""

    def __init__(self):
        self.port = free_port()
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.controller = None

    async def handle_DATA(self, server, session, envelope):
        parsed = BytesParser(policy=email_policy.default).parsebytes(envelope.content)
        self.received.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        return [message for _, message in self.received]

    def to(self, address: str) -> list[EmailMessage]:
        return [message for rcpt, message in self.received if address in rcpt]


@contextmanager
def running_smtp_sink() -> Iterator[SmtpSink]:
    """A real SMTP server on loopback, for as long as the block runs."""
    try:
        import aiosmtpd  # noqa: F401
    except ImportError:
        require(False, "aiosmtpd is not installed (pip install -e '.[dev]')")
    sink = SmtpSink()
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture
def smtp_sink():
    with running_smtp_sink() as sink:
        yield sink


def text_part(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def html_part(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()
