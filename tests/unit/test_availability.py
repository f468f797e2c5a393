"""Badges: what a shopper is told about a product's stock, in words."""

from dataclasses import dataclass
from datetime import date

import pytest

from storefront.engine.availability import Status, availability_of


@dataclass
class Stocked:
    on_hand: int = 0
    low_stock_threshold: int = 5
    allow_backorders: bool = True
    backorder_limit: int | None = None
    waiting_units: int = 0
    next_promise_on: date | None = None


@pytest.mark.parametrize(
    ("product", "status", "label"),
    [
        (Stocked(on_hand=6), Status.IN_STOCK, "In stock"),
        (Stocked(on_hand=5), Status.LOW_STOCK, "Only 5 left"),
        (Stocked(on_hand=1), Status.LOW_STOCK, "Only 1 left"),
        (
            Stocked(next_promise_on=date(2027, 1, 9)),
            Status.BACKORDER_DATED,
            "Backorder — 1 ships by",
        ),
        (Stocked(), Status.BACKORDER_UNDATED, "Backorder — date to be confirmed"),
        (Stocked(allow_backorders=False), Status.SOLD_OUT, "Sold out"),
        (Stocked(backorder_limit=4, waiting_units=4), Status.SOLD_OUT, "Sold out"),
    ],
)
def test_badge_says_the_state_in_words(product, status, label):
    shown = availability_of(product)
    assert shown.status is status
    assert shown.label == label


def test_a_dated_backorder_carries_its_date_and_can_be_ordered():
    shown = availability_of(
        Stocked(backorder_limit=4, waiting_units=3, next_promise_on=date(2027, 1, 9))
    )
    assert shown.promise_on == date(2027, 1, 9)
    assert shown.can_order and shown.is_backorder and not shown.ships_now


def test_stock_on_hand_wins_over_any_backorder_setting():
    shown = availability_of(Stocked(on_hand=2, allow_backorders=False))
    assert shown.ships_now and shown.can_order and shown.promise_on is None
