"""Money and dates for people, in the shop's currency and locale (templates and messages)."""

from datetime import date

from babel.dates import format_date
from babel.numbers import format_currency
from flask import current_app


def money(cents: int) -> str:
    return format_currency(
        cents / 100, current_app.config["CURRENCY"], locale=current_app.config["LOCALE"]
    )


def human_date(day: date) -> str:
    return format_date(day, format="EEE d MMM y", locale=current_app.config["LOCALE"])
