"""Money and dates for people, in the shop's currency and locale (templates and messages)."""

from datetime import date, datetime

from babel.dates import format_date
from babel.numbers import format_currency
from flask import current_app

from .models.types import shop_timezone


def money(cents: int) -> str:
    return format_currency(
        cents / 100, current_app.config["CURRENCY"], locale=current_app.config["LOCALE"]
    )


def human_date(day: date) -> str:
    return format_date(day, format="EEE d MMM y", locale=current_app.config["LOCALE"])


def shop_time(instant: datetime) -> str:
    """An instant on the shop's clock, saying which: "Sun 22 Nov 2026, 09:15 CET"."""
    local = instant.astimezone(shop_timezone())
    return f"{human_date(local.date())}, {local:%H:%M} {local.tzname()}"


def iso_instant(instant: datetime) -> str:
    """The instant for a <time datetime="…"> attribute, with the shop's offset (Z for UTC)."""
    stamp = instant.astimezone(shop_timezone()).isoformat(timespec="seconds")
    return stamp.removesuffix("+00:00") + "Z" if stamp.endswith("+00:00") else stamp
