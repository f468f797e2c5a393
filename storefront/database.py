"""Database engine settings and the one way services open a write transaction."""

import functools
import logging
import os
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from itertools import chain
from operator import itemgetter
from typing import Any, ParamSpec, TypeVar

from flask import Flask, current_app
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Select,
    Table,
    any_,
    bindparam,
    create_engine,
    event,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import InstrumentedAttribute, Session

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


# Ids per statement in bulk work: far below any database's limit on bound parameters.
IDS_PER_STATEMENT = 1_000


def among(
    session: Session, column: ColumnElement[int] | InstrumentedAttribute[int], ids: Sequence[int]
) -> Iterator[ColumnElement[bool]]:
    """Conditions `column` is one of `ids`, a statement's worth each: on PostgreSQL one
    condition for them all (`= ANY` of one array parameter), elsewhere IN lists of
    IDS_PER_STATEMENT."""
    if session.get_bind().dialect.name == "postgresql":
        yield column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))
        return
    for start in range(0, len(ids), IDS_PER_STATEMENT):
        yield column.in_(ids[start : start + IDS_PER_STATEMENT])


def bulk_insert(
    session: Session,
    table: Table,
    rows: Iterable[Mapping[str, Any]],
    same: Mapping[str, Any] | None = None,
) -> None:
    """Insert `rows` (dicts with the same keys), each with the values in `same`, into
    `table`, in the session's transaction.

    For the thousands of rows one receipt can write: each value passes its column type's
    conversion once (a value in `same` once for all rows), then the rows go to the driver
    in one call (PostgreSQL's COPY, SQLite's executemany) instead of through the statement
    machinery row by row. `rows` may be a generator: on PostgreSQL each row is sent as it
    is made, so the server stores the first rows while the rest are still being built.
    Columns left out take their database default; Python-side defaults are not applied.
    """
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    connection = session.connection()
    dialect = connection.dialect
    same = dict(same or {})
    names = list(first)
    values = _driver_rows(table, dialect, chain([first], rows), same)
    preparer = dialect.identifier_preparer
    columns = ", ".join(preparer.quote(name) for name in [*names, *same])
    target = preparer.format_table(table)
    driver = connection.connection.driver_connection
    if driver is None:
        raise RuntimeError("The connection has no driver connection to insert through.")
    cursor = driver.cursor()
    try:
        if dialect.name == "postgresql":
            with cursor.copy(f"COPY {target} ({columns}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)
        else:
            marks = ", ".join("?" for _ in range(len(names) + len(same)))
            cursor.executemany(f"INSERT INTO {target} ({columns}) VALUES ({marks})", values)
    finally:
        cursor.close()


def _driver_rows(
    table: Table, dialect, rows: Iterator[Mapping[str, Any]], same: dict[str, Any]
) -> Iterator[list]:
    """Each row's values as the driver takes them, in the first row's column order, then
    the values in `same` (converted once for all rows)."""
    first = next(rows)
    keys = first.keys()
    names = list(keys)

    def converter(name: str) -> Callable[[Any], Any] | None:
        return table.c[name].type.dialect_impl(dialect).bind_processor(dialect)

    shared = []
    for name, value in same.items():
        convert = converter(name)
        shared.append(value if convert is None or value is None else convert(value))
    converting = [(i, convert) for i, name in enumerate(names) if (convert := converter(name))]
    pick = itemgetter(*names)
    for row in chain([first], rows):
        if row.keys() != keys:
            raise ValueError("Every row of a bulk insert must give the same columns.")
        picked = pick(row)
        value = list(picked) if len(names) > 1 else [picked]
        for i, convert in converting:
            if value[i] is not None:
                value[i] = convert(value[i])
        value.extend(shared)
        yield value


class QuickReadFailed(Exception):
    """`read_now` could not read, and had no session to read through instead."""


# Quick reads, each as one line at DEBUG (what tests count them by).
reads_log = logging.getLogger("storefront.database.reads")


def read_now(statement: Select, params: Mapping[str, Any] | None = None, *, app=None):
    """The statement's first row (a tuple) as committed right now, read on a connection of
    its own.

    For the one small read that decides whether a request renders anything at all (the
    catalog's version, an order's version). That connection is in autocommit and is not
    tested before use, and the statement, compiled once, goes to the driver's cursor
    directly: on PostgreSQL one round trip, not four (test, BEGIN, SELECT, ROLLBACK), and
    the request's session never takes a connection when the answer is already kept. A
    connection that fails (the server restarted) is dropped and the read is made again
    through the request's session, which tests its connections; called with `app`, from in
    front of Flask, QuickReadFailed is raised instead.
    """
    engine = _reads_engine(app or current_app)
    sql, arguments = _prepared(engine, statement)(params or {})
    try:
        connection = engine.raw_connection()
    except (DBAPIError, engine.dialect.loaded_dbapi.Error) as error:  # could not connect
        return _read_failed(statement, params, app, error)
    try:
        cursor = connection.cursor()
        cursor.execute(sql, arguments)
        row = cursor.fetchone()
        cursor.close()
    except engine.dialect.loaded_dbapi.Error as error:
        connection.invalidate()
        return _read_failed(statement, params, app, error)
    finally:
        connection.close()
    if reads_log.isEnabledFor(logging.DEBUG):
        reads_log.debug(sql)
    return None if row is None else tuple(row)


def _read_failed(statement, params, app, error: Exception):
    if app is not None:  # called from outside the app's request handling
        log.warning("quick read failed, left to the app: %s", type(error).__name__)
        raise QuickReadFailed(type(error).__name__) from error
    log.warning("quick read failed, reading through the session: %s", type(error).__name__)
    row = db.session.execute(statement, params).first()
    return None if row is None else tuple(row)


_PREPARED: dict[tuple[str, str, Select], Callable[[Mapping[str, Any]], tuple]] = {}


def _prepared(engine: Engine, statement: Select) -> Callable[[Mapping[str, Any]], tuple]:
    """The statement's SQL for `engine`'s database and driver (compiled once per process),
    and how to lay out its parameters for the driver."""
    key = (engine.dialect.name, engine.dialect.driver, statement)
    if key not in _PREPARED:
        _PREPARED[key] = _compile(engine, statement)
    return _PREPARED[key]


def _compile(engine: Engine, statement: Select) -> Callable[[Mapping[str, Any]], tuple]:
    compiled = statement.compile(dialect=engine.dialect)
    sql = str(compiled)
    if compiled.positional:
        order = list(compiled.positiontup or ())
        return lambda params: (sql, [compiled.construct_params(params)[name] for name in order])
    return lambda params: (sql, compiled.construct_params(params))


def _reads_engine(app: Flask) -> Engine:
    """This process's engine for `read_now`, made on first use (after a server forks)."""
    made = app.extensions.get("reads_engine")
    if made is not None and made[0] == os.getpid():
        return made[1]
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    options: dict[str, Any] = {"isolation_level": "AUTOCOMMIT", "hide_parameters": True}
    if url.startswith("sqlite"):
        options["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    engine = create_engine(url, **options)
    app.extensions["reads_engine"] = (os.getpid(), engine)
    return engine


def dispose_reads_engine(app: Flask) -> None:
    made = app.extensions.pop("reads_engine", None)
    if made is not None and made[0] == os.getpid():
        made[1].dispose()
