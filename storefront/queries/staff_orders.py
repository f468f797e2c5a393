"""What staff read to fulfil orders: the orders list by state, one order with its parcels."""

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..forms import MAX_ID
from ..models import Order, OrderLine, Parcel


class OrderState(enum.StrEnum):
    """Each order is in exactly one state, the first that applies, in this order."""

    READY = "ready"  # some units can ship now
    WAITING = "waiting"  # nothing ready, some units waiting
    SHIPPED = "shipped"  # final, something shipped
    CANCELLED = "cancelled"  # final, everything cancelled
    ALL = "all"

    @property
    def label(self) -> str:
        return {
            "ready": "Ready to ship",
            "waiting": "Waiting",
            "shipped": "Shipped",
            "cancelled": "Cancelled",
            "all": "All orders",
        }[self.value]


@dataclass(frozen=True)
class OrderSearch:
    state: OrderState = OrderState.READY
    search: str = ""
    page: int = 1


@dataclass(frozen=True)
class OrderRow:
    order: Order
    ready: int
    waiting: int
    shipped: int
    cancelled: int

    @property
    def state(self) -> OrderState:
        if self.ready:
            return OrderState.READY
        if self.waiting:
            return OrderState.WAITING
        return OrderState.SHIPPED if self.shipped else OrderState.CANCELLED


@dataclass(frozen=True)
class OrdersPage:
    pagination: Pagination
    rows: list[OrderRow]


def _has_lines(condition):
    return exists().where(OrderLine.order_id == Order.id, condition)


_READY = _has_lines(OrderLine.allocated > 0)
_WAITING = _has_lines(OrderLine.waiting > 0)
_SHIPPED = _has_lines(OrderLine.shipped > 0)

_STATE_FILTERS = {
    OrderState.READY: [_READY],
    OrderState.WAITING: [~_READY, _WAITING],
    OrderState.SHIPPED: [~_READY, ~_WAITING, _SHIPPED],
    OrderState.CANCELLED: [~_READY, ~_WAITING, ~_SHIPPED],
    OrderState.ALL: [],
}


def orders_page(criteria: OrderSearch, per_page: int) -> OrdersPage:
    """One page of orders in a state, matching a search: three queries whatever the count.

    Orders to act on (ready, waiting) come oldest first; finished ones newest first.
    """
    oldest_first = criteria.state in (OrderState.READY, OrderState.WAITING)
    query = select(Order).where(*_STATE_FILTERS[criteria.state])
    if criteria.search:
        query = query.where(_matches(criteria.search))
    order = Order.id if oldest_first else Order.id.desc()
    pagination = db.paginate(
        query.order_by(order), page=criteria.page, per_page=per_page, error_out=False
    )
    units = _units_by_order([order.id for order in pagination.items])
    rows = [OrderRow(order, *units.get(order.id, (0, 0, 0, 0))) for order in pagination.items]
    return OrdersPage(pagination, rows)


def _matches(search: str):
    """An order number (with or without "#"), or part of the customer's email or name."""
    escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    found: list[ColumnElement[bool]] = [
        Order.email.ilike(pattern, escape="\\"),
        Order.name.ilike(pattern, escape="\\"),
    ]
    digits = search.removeprefix("#")
    if digits.isascii() and digits.isdigit() and len(digits) <= 12:
        order_id = Order.id_for_number(int(digits))
        if 1 <= order_id <= MAX_ID:
            found.append(Order.id == order_id)
    return or_(*found)


def _units_by_order(order_ids: Sequence[int]) -> dict[int, tuple[int, int, int, int]]:
    if not order_ids:
        return {}
    rows = db.session.execute(
        select(
            OrderLine.order_id,
            func.sum(OrderLine.allocated),
            func.sum(OrderLine.waiting),
            func.sum(OrderLine.shipped),
            func.sum(OrderLine.cancelled),
        )
        .where(OrderLine.order_id.in_(order_ids))
        .group_by(OrderLine.order_id)
    )
    return {
        order_id: (int(allocated), int(waiting), int(shipped), int(cancelled))
        for order_id, allocated, waiting, shipped, cancelled in rows
    }


def order_by_number(number: int) -> Order | None:
    """The order with its lines, parcels and timeline, for the staff order page."""
    order_id = Order.id_for_number(number)
    if not 1 <= order_id <= MAX_ID:
        return None
    return db.session.scalar(
        select(Order)
        .where(Order.id == order_id)
        .options(
            selectinload(Order.lines),
            selectinload(Order.parcels).selectinload(Parcel.items),
            selectinload(Order.events),
        )
    )
