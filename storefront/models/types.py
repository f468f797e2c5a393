"""Column types shared by the models: instants are stored and returned in UTC."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

# A simulation runs the shop on its own clock; the real shop never sets one.
_clock: ContextVar[Callable[[], datetime] | None] = ContextVar("shop_clock", default=None)


def utcnow() -> datetime:
    clock = _clock.get()
    return datetime.now(UTC) if clock is None else clock()


@contextmanager
def shop_clock(clock: Callable[[], datetime]) -> Iterator[None]:
    """Run the shop on `clock` (aware UTC instants) inside the block: `utcnow` and `today`."""
    token = _clock.set(clock)
    try:
        yield
    finally:
        _clock.reset(token)


def today() -> date:
    """The shop's calendar day (in SHOP_TIMEZONE), against which overdue shipments are judged."""
    return utcnow().astimezone(shop_timezone()).date()


def shop_timezone() -> tzinfo:
    """The shop's time zone (checked at start by the configuration); UTC outside the app."""
    return ZoneInfo(current_app.config["SHOP_TIMEZONE"]) if has_app_context() else UTC


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC instant on both SQLite (which drops the zone) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given for a UTC column")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value
