"""Database engine settings and the one way services open a write transaction."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from .extensions import db

_writing: ContextVar[bool] = ContextVar("writing", default=False)

SQLITE_BUSY_TIMEOUT_MS = 15_000


def is_sqlite(engine: Engine | Connection | None = None) -> bool:
    return (engine or db.engine).dialect.name == "sqlite"


def configure_engine(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def set_pragmas(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event emit BEGIN itself, so writes can take the lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(connection):
        # A write transaction takes SQLite's write lock at BEGIN: waiting there honours
        # the busy timeout, whereas upgrading a read lock later fails at once.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _writing.get() else "BEGIN")


@contextmanager
def write_transaction() -> Iterator[Session]:
    """One use case, one transaction: commit on success, roll everything back on error."""
    session = db.session()  # this request's (or thread's) session itself, not its proxy
    # Close the read transaction a request may have opened, so the write starts fresh.
    session.commit()
    token = _writing.set(True)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        _writing.reset(token)
