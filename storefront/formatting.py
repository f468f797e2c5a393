"""Money and dates for people, in the shop's currency and locale (templates and messages)."""

from datetime import date, datetime
from functools import lru_cache

from babel.dates import format_date
from babel.numbers import format_currency
from flask import current_app

from .models.types import shop_timezone


def money(cents: int) -> str:
    return _money(cents, current_app.config["CURRENCY"], current_app.config["LOCALE"])


def human_date(day: date) -> str:
    return _human_date(day, current_app.config["LOCALE"])


# Babel parses the locale and the number or date pattern on every call; a page shows the
# same few prices and dates many times over, so each answer is kept (by all its inputs).
@lru_cache(maxsize=4096)
def _money(cents: int, currency: str, locale: str) -> str:
    return format_currency(cents / 100, currency, locale=locale)


@lru_cache(maxsize=1024)
def _human_date(day: date, locale: str) -> str:
    return format_date(day, format="EEE d MMM y", locale=locale)


def shop_time(instant: datetime) -> str:
    """An instant on the shop's clock, saying which: "Sun 22 Nov 2026, 09:15 CET"."""
    local = instant.astimezone(shop_timezone())
    return f"{human_date(local.date())}, {local:%H:%M} {local.tzname()}"


def iso_instant(instant: datetime) -> str:
    """The instant for a <time datetime="…"> attribute, with the shop's offset (Z for UTC)."""
    stamp = instant.astimezone(shop_timezone()).isoformat(timespec="seconds")
    return stamp.removesuffix("+00:00") + "Z" if stamp.endswith("+00:00") else stamp
