"""The one email an order's customer gets for everything one transaction did to the order."""

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import EventKind, Order
from .outbox import Email, public_url, render_email

# Orders read per query: far below any database's limit on bound parameters.
_BATCH = 1_000

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
    if kinds == {EventKind.DATE_CHANGED} and len(moves) == 1:
        return _DATE_SUBJECTS[next(iter(moves))].format(number=number)
    kind = next(kind for kind in _SUBJECTS if kind in kinds)
    return _SUBJECTS[kind].format(number=number)


def order_emails(
    session: Session, events: Iterable[dict], moves: dict[int, set[str]]
) -> list[Email]:
    """One email per order among `events` (timeline rows of one transaction, already
    written), named by the order's token and new version: each transaction's email once."""
    by_order: dict[int, list[dict]] = defaultdict(list)
    for event in events:
        by_order[event["order_id"]].append(event)
    ids = sorted(by_order)
    emails = []
    for start in range(0, len(ids), _BATCH):
        rows = session.execute(
            select(Order.id, Order.email, Order.name, Order.token, Order.version).where(
                Order.id.in_(ids[start : start + _BATCH])
            )
        )
        for row in rows:
            emails.append(_order_email(session, row, by_order[row.id], moves.get(row.id, set())))
    return emails


def _order_email(session: Session, row, events: list[dict], moves: set[str]) -> Email:
    number = Order.number_for_id(row.id)
    kinds = {event["kind"] for event in events}
    # A new order is in the session with its lines: the email lists what each line gets.
    placed = session.get(Order, row.id) if EventKind.PLACED in kinds else None
    text, html = render_email(
        "order_update",
        number=number,
        name=row.name,
        events=events,
        order=placed,
        tracking_url=public_url(f"/orders/{row.token}"),
    )
    return Email(
        kind="order_placed" if placed else "order_update",
        recipient=row.email,
        subject=subject_for(number, kinds, moves),
        text_body=text,
        html_body=html,
        dedupe_key=f"order-{row.token}-v{row.version}",
        order_id=row.id,
    )
