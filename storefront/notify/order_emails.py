"""The one email an order's customer gets for everything one transaction did to the order."""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import chain

from sqlalchemy import Row
from sqlalchemy.orm import Session

from ..models import EventKind, Order
from .outbox import Email, public_url, render_email

# The subject names the most important thing that happened, in this order.
_SUBJECTS = {
    EventKind.PLACED: "Order {number} is placed",
    EventKind.SHIPPED: "Order {number} has shipped",
    EventKind.CANCELLED: "Order {number}: units cancelled",
    EventKind.SUBSTITUTED: "Order {number}: switched to an item that ships now",
    EventKind.ALLOCATED: "Order {number}: units ready to ship",
    EventKind.DATE_CHANGED: "Order {number}: ship dates changed",
    EventKind.BACKORDERED: "Order {number}: units on backorder",
}
_DATE_SUBJECTS = {
    "earlier": "Order {number} ships earlier",
    "later": "Order {number}: new ship date, later than promised",
    "dated": "Order {number} now has a ship date",
    "undated": "Order {number}: ship date to be confirmed again",
}


def subject_for(number: int, kinds: set[EventKind], moves: set[str]) -> str:
    return _subject_pattern(frozenset(kinds), frozenset(moves)).format(number=number)


@lru_cache(maxsize=256)
def _subject_pattern(kinds: frozenset[EventKind], moves: frozenset[str]) -> str:
    """The subject for what happened (a few dozen combinations, chosen once each)."""
    if kinds == {EventKind.DATE_CHANGED} and len(moves) == 1:
        return _DATE_SUBJECTS[next(iter(moves))]
    return _SUBJECTS[next(kind for kind in _SUBJECTS if kind in kinds)]


def order_emails(
    session: Session, orders: Sequence[Row], events: Iterable[dict], moves: dict[int, set[str]]
) -> Iterator[Email]:
    """One email per order among `events` (timeline rows of one transaction, already
    written), made as they are asked for. `orders` give each order's id, email, name,
    token and new version, which names the email: each transaction's email is stored once."""
    by_order: dict[int, list[dict]] = defaultdict(list)
    placed = set()
    for event in events:
        by_order[event["order_id"]].append(event)
        if event["kind"] is EventKind.PLACED:
            placed.add(event["order_id"])
    tracking = public_url("/orders/")

    def email(row) -> Email:
        return _order_email(session, row, by_order[row.id], moves.get(row.id, set()), tracking)

    # A placed order's email reads the order (it may load from the database): made now,
    # before a caller streams the rest into a statement that holds the connection.
    first = [email(row) for row in orders if row.id in placed]
    return chain(first, (email(row) for row in orders if row.id not in placed))


def _order_email(
    session: Session, row, events: list[dict], moves: set[str], tracking: str
) -> Email:
    number = Order.number_for_id(row.id)
    kinds = {event["kind"] for event in events}
    facts = {
        "number": number,
        "name": row.name,
        "events": [{"message": event["message"]} for event in events],
        "tracking_url": tracking + row.token,
    }
    placed = EventKind.PLACED in kinds
    text = html = None
    if placed:
        # A new order is in the session with its lines: the email lists what each line
        # gets, as it stood when it was placed.
        text, html = render_email("order_update", **facts, order=session.get(Order, row.id))
    return Email(
        kind="order_placed" if placed else "order_update",
        recipient=row.email,
        subject=subject_for(number, kinds, moves),
        dedupe_key=f"order-{row.token}-v{row.version}",
        order_id=row.id,
        text_body=text,
        html_body=html,
        # Other news is all in what the events said: the worker renders it when sending.
        template=None if placed else "order_update",
        facts=None if placed else facts,
    )
