"""Database engine settings and the one way services open a write transaction."""

import functools
import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from .extensions import db

log = logging.getLogger(__name__)

_writing: ContextVar[bool] = ContextVar("writing", default=False)

SQLITE_BUSY_TIMEOUT_MS = 15_000
# PostgreSQL aborts a transaction with these when running it again may well succeed:
# serialization_failure and deadlock_detected.
CONFLICT_SQLSTATES = frozenset({"40001", "40P01"})
CONFLICT_ATTEMPTS = 4

P = ParamSpec("P")
R = TypeVar("R")


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


def is_conflict(error: BaseException) -> bool:
    """The database gave up on the transaction because of another one, not because of it."""
    return getattr(getattr(error, "orig", None), "sqlstate", None) in CONFLICT_SQLSTATES


def retry_on_conflict(use_case: Callable[P, R]) -> Callable[P, R]:
    """Run the whole use case again (a few times) when the database aborted it for a
    deadlock or a serialization failure; it was rolled back, so nothing half-happened.

    Inside another use case's transaction it runs once: the outer one is retried whole.
    """

    @functools.wraps(use_case)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if _writing.get():
            return use_case(*args, **kwargs)
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            try:
                return use_case(*args, **kwargs)
            except DBAPIError as error:
                if not is_conflict(error) or attempt == CONFLICT_ATTEMPTS:
                    raise
                log.warning(
                    "%s: the database aborted attempt %d (%s); running it again",
                    use_case.__qualname__,
                    attempt,
                    type(error.orig).__name__,
                )
                time.sleep(random.uniform(0, 0.05 * attempt))  # let the other one finish
        raise AssertionError("unreachable")

    return run
