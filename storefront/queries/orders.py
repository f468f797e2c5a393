"""Orders as their customers see them: found by token, by checkout key, and their queue places."""

from sqlalchemy import and_, exists, func, select, tuple_
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Order, OrderLine


def order_by_token(token: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.token == token))


def order_version(token: str) -> int | None:
    """All a poll costs when nothing changed: one lookup on the unique token index."""
    return db.session.scalar(select(Order.version).where(Order.token == token))


def tracking_token(order_id: int, email: str) -> str | None:
    """The token of the order with this id and email (any case), else None.

    One query whatever the input, so a wrong number and a wrong email cost the same.
    """
    return db.session.scalar(
        select(Order.token).where(
            Order.id == order_id, func.lower(Order.email) == email.strip().lower()
        )
    )


def queue_positions(order: Order) -> dict[int, int]:
    """Each waiting line's place in its product's queue (1 = filled next), in one query."""
    ahead = aliased(OrderLine)
    # A row-value comparison lets both databases range-scan the queue index.
    earlier = tuple_(ahead.placed_at, ahead.id) < tuple_(OrderLine.placed_at, OrderLine.id)
    query = (
        select(OrderLine.id, func.count(ahead.id) + 1)
        .outerjoin(
            ahead, and_(ahead.product_id == OrderLine.product_id, ahead.waiting > 0, earlier)
        )
        .where(OrderLine.order_id == order.id, OrderLine.waiting > 0)
        .group_by(OrderLine.id)
    )
    return {line_id: position for line_id, position in db.session.execute(query)}


def order_for_checkout_key(checkout_key: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.checkout_key == checkout_key))


def has_shipped_order(email: str) -> bool:
    shipped = (
        select(OrderLine.id)
        .join(Order)
        .where(Order.email == email.strip().lower(), OrderLine.shipped > 0)
    )
    return bool(db.session.scalar(select(exists(shipped))))
