"""The ways a shop can date a backorder, as plain functions of what it knows at the moment."""

from datetime import date, timedelta
from enum import StrEnum


class Policy(StrEnum):
    QUEUE = "queue-based"
    FIXED = "fixed lead time"
    NEXT_SHIPMENT = "next shipment"
    LEARNED = "queue + learned buffer"


def fixed_lead_time(placed_on: date, lead_days: int, handling_days: int) -> date:
    """ "Ships in N days": the product's lead time from the day of the order, whatever happens."""
    return placed_on + timedelta(days=lead_days + handling_days)


def next_shipment(next_expected: date | None, today: date, handling_days: int) -> date | None:
    """Every backorder gets the next scheduled shipment's date, whatever its place in the queue
    (an overdue shipment counts as arriving today, as the shop's own engine does)."""
    if next_expected is None:
        return None
    return max(next_expected, today) + timedelta(days=handling_days)


def with_buffer(queue_date: date | None, buffer_days: int) -> date | None:
    """The shop's queue-based date padded with the supplier's learned lateness."""
    return None if queue_date is None else queue_date + timedelta(days=buffer_days)
