"""Orders as their customers see them: found by token, by checkout key, and their queue places."""

from sqlalchemy import and_, bindparam, exists, func, select, tuple_
from sqlalchemy.orm import aliased

from ..database import read_now
from ..extensions import db
from ..models import Order, OrderLine


def order_by_token(token: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.token == token))


_ORDER_VERSION = select(Order.version).where(Order.token == bindparam("token"))


def order_version(token: str, *, app=None) -> int | None:
    """All a poll costs when nothing changed: one lookup on the unique token index, as
    committed now."""
    row = read_now(_ORDER_VERSION, {"token": token}, app=app)
    return None if row is None else row[0]


def tracking_token(order_id: int, email: str) -> str | None:
    """The token of the order with this id and email (any case), else None.

    One query whatever the input, so a wrong number and a wrong email cost the same.
    """
    return db.session.scalar(
        select(Order.token).where(
            Order.id == order_id, func.lower(Order.email) == email.strip().lower()
        )
    )


# Built once: an alias of a mapped class costs a few milliseconds to make, far more than
# the query it serves.
_AHEAD = aliased(OrderLine)
_QUEUE_POSITIONS = (
    select(OrderLine.id, func.count(_AHEAD.id) + 1)
    .outerjoin(
        _AHEAD,
        and_(
            _AHEAD.product_id == OrderLine.product_id,
            _AHEAD.waiting > 0,
            # A row-value comparison lets both databases range-scan the queue index.
            tuple_(_AHEAD.placed_at, _AHEAD.id) < tuple_(OrderLine.placed_at, OrderLine.id),
        ),
    )
    .where(OrderLine.order_id == bindparam("order_id"), OrderLine.waiting > 0)
    .group_by(OrderLine.id)
)


def queue_positions(order: Order) -> dict[int, int]:
    """Each waiting line's place in its product's queue (1 = filled next), in one query."""
    rows = db.session.execute(_QUEUE_POSITIONS, {"order_id": order.id})
    return {line_id: position for line_id, position in rows}


def order_for_checkout_key(checkout_key: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.checkout_key == checkout_key))


def has_shipped_order(email: str) -> bool:
    shipped = (
        select(OrderLine.id)
        .join(Order)
        .where(Order.email == email.strip().lower(), OrderLine.shipped > 0)
    )
    return bool(db.session.scalar(select(exists(shipped))))
