"""Shipping: an order's ready units leave the warehouse as a parcel; waiting units keep waiting."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..database import retry_on_conflict, write_transaction
from ..extensions import db
from ..forms import MAX_ID
from ..models import EventKind, Order, OrderLine, Parcel, ParcelItem, Product
from ..models.types import utcnow
from .action_log import logged
from .errors import InvalidRequest, NotFound
from .inventory import lock_products, lock_waiting_orders
from .timeline import Timeline, expire

MAX_CARRIER_LENGTH = 80
MAX_TRACKING_LENGTH = 120
# The most orders one bulk action ships: a page of the orders list and then some.
MAX_ORDERS_AT_ONCE = 200


@dataclass(frozen=True)
class ShippedOrder:
    order_id: int
    parcel_id: int
    units: int
    contents: str  # e.g. "2 × Copper Kettle, 1 × French Press"  # noqa: RUF003

    @property
    def order_number(self) -> int:
        return Order.number_for_id(self.order_id)


@dataclass(frozen=True)
class ShippingResult:
    shipped: tuple[ShippedOrder, ...]
    nothing_ready: tuple[int, ...]  # order numbers with no unit ready to ship
    already_shipped: tuple[int, ...]  # order numbers this form had shipped already


class AlreadyShipped(InvalidRequest):
    pass


@logged("order shipped", result=lambda shipped: {"order": shipped.order_number})
def ship_order(
    order_id: int,
    *,
    carrier: str = "",
    tracking_number: str = "",
    parcel_key: str | None = None,
    shipped_by_id: int | None = None,
) -> ShippedOrder:
    """Ship every ready unit of the order as one parcel; units still waiting keep waiting.

    A `parcel_key` already used (the same form sent twice) ships nothing and says so.
    """
    result = ship_orders(
        [order_id],
        carrier=carrier,
        tracking_number=tracking_number,
        parcel_key=parcel_key,
        shipped_by_id=shipped_by_id,
    )
    number = Order.number_for_id(order_id)
    if result.already_shipped:
        raise AlreadyShipped(f"Order {number} was already marked shipped; nothing shipped twice.")
    if result.nothing_ready:
        raise InvalidRequest(f"Nothing in order {number} is ready to ship.")
    return result.shipped[0]


@logged("orders shipped", result=lambda result: {"orders": len(result.shipped)})
@retry_on_conflict
def ship_orders(
    order_ids: Sequence[int],
    *,
    carrier: str = "",
    tracking_number: str = "",
    parcel_key: str | None = None,
    shipped_by_id: int | None = None,
) -> ShippingResult:
    """Ship the ready units of each order, one parcel per order, in one transaction."""
    carrier = _parcel_label(carrier, "Carrier", MAX_CARRIER_LENGTH)
    tracking_number = _parcel_label(tracking_number, "Tracking number", MAX_TRACKING_LENGTH)
    order_ids = sorted(set(order_ids))
    if not 1 <= len(order_ids) <= MAX_ORDERS_AT_ONCE:
        raise InvalidRequest(f"Choose from 1 to {MAX_ORDERS_AT_ONCE} orders to ship.")
    unknown = [order_id for order_id in order_ids if not 1 <= order_id <= MAX_ID]
    if unknown:
        raise NotFound(f"There is no order {Order.number_for_id(unknown[0])}.")
    keys = {order_id: f"{parcel_key}-{order_id}" for order_id in order_ids} if parcel_key else {}
    try:
        with write_transaction() as session:
            lock_products(session, _products_of(session, order_ids))
            lock_waiting_orders(session, [], also=order_ids)
            # Checked under the product locks: a concurrent twin waits, then sees this one.
            done = _orders_with_keys(session, keys)
            todo = [order_id for order_id in order_ids if order_id not in done]
            shipped = _ship(session, todo, carrier, tracking_number, keys, shipped_by_id)
            shipped_ids = {parcel.order_id for parcel in shipped}
            return ShippingResult(
                shipped=shipped,
                nothing_ready=tuple(Order.number_for_id(i) for i in todo if i not in shipped_ids),
                already_shipped=tuple(Order.number_for_id(i) for i in sorted(done)),
            )
    except IntegrityError:
        if keys and _orders_with_keys(db.session(), keys):
            raise AlreadyShipped("These orders were already marked shipped.") from None
        raise


def _parcel_label(text: str, what: str, max_length: int) -> str:
    text = (text or "").strip()
    if len(text) > max_length:
        raise InvalidRequest(f"{what} must be at most {max_length} characters.")
    if not text.isprintable():
        raise InvalidRequest(f"{what} may only contain letters, digits, spaces and punctuation.")
    return text


def _products_of(session: Session, order_ids: Sequence[int]) -> set[int]:
    rows = session.execute(
        select(OrderLine.order_id, OrderLine.product_id).where(OrderLine.order_id.in_(order_ids))
    ).all()
    missing = set(order_ids) - {row.order_id for row in rows}
    if missing:
        raise NotFound(f"There is no order {Order.number_for_id(min(missing))}.")
    return {row.product_id for row in rows}


def _orders_with_keys(session: Session, keys: dict[int, str]) -> set[int]:
    if not keys:
        return set()
    found = select(Parcel.order_id).where(Parcel.parcel_key.in_(list(keys.values())))
    return set(session.scalars(found))


def _ship(
    session: Session,
    order_ids: Sequence[int],
    carrier: str,
    tracking_number: str,
    keys: dict[int, str],
    shipped_by_id: int | None,
) -> tuple[ShippedOrder, ...]:
    """Move every allocated unit of the orders to shipped, in a fixed number of statements."""
    lines = _open_lines(session, order_ids)
    ready, waiting = defaultdict(list), defaultdict(list)
    for line in lines:
        if line.allocated:
            ready[line.order_id].append(line)
        if line.waiting:
            waiting[line.order_id].append(line)
    if not ready:
        return ()
    session.execute(
        update(OrderLine)
        .where(OrderLine.order_id.in_(list(ready)), OrderLine.allocated > 0)
        .values(shipped=OrderLine.shipped + OrderLine.allocated, allocated=0)
        .execution_options(synchronize_session=False)
    )
    expire(session, OrderLine, [line.id for line in lines])
    parcel_of = _record_parcels(session, ready, carrier, tracking_number, keys, shipped_by_id)
    timeline, shipped = Timeline(), []
    for order_id, order_lines in ready.items():
        contents = _listed(order_lines, "allocated")
        message = shipped_message(contents, carrier, tracking_number, _listed(waiting[order_id]))
        timeline.add(order_id, EventKind.SHIPPED, message)
        units = sum(line.allocated for line in order_lines)
        shipped.append(ShippedOrder(order_id, parcel_of[order_id], units, contents))
    timeline.write(session)
    return tuple(shipped)


def _record_parcels(session, ready, carrier, tracking_number, keys, shipped_by_id):
    """One parcel per order and its items, in two statements; returns parcel ids by order."""
    now = utcnow()
    parcel_ids = session.scalars(
        insert(Parcel).returning(Parcel.id, sort_by_parameter_order=True),
        [
            {
                "order_id": order_id,
                "carrier": carrier,
                "tracking_number": tracking_number,
                "parcel_key": keys.get(order_id),
                "shipped_by_id": shipped_by_id,
                "shipped_at": now,
            }
            for order_id in ready
        ],
    ).all()
    parcel_of = dict(zip(ready, parcel_ids, strict=True))
    session.execute(
        insert(ParcelItem),
        [
            {"parcel_id": parcel_of[order_id], "line_id": line.id, "units": line.allocated}
            for order_id, order_lines in ready.items()
            for line in order_lines
        ],
    )
    return parcel_of


def _open_lines(session: Session, order_ids: Sequence[int]):
    """The orders' lines with units ready or waiting, read after the locks were taken."""
    return session.execute(
        select(
            OrderLine.id,
            OrderLine.order_id,
            OrderLine.allocated,
            OrderLine.waiting,
            Product.name,
        )
        .join(Product, OrderLine.product_id == Product.id)
        .where(
            OrderLine.order_id.in_(order_ids),
            (OrderLine.allocated > 0) | (OrderLine.waiting > 0),
        )
        .order_by(OrderLine.order_id, OrderLine.id)
    ).all()


def _listed(lines: Iterable, units: str = "waiting") -> str:
    return ", ".join(f"{getattr(line, units)} × {line.name}" for line in lines)


def shipped_message(contents: str, carrier: str, tracking_number: str, still_waiting: str) -> str:
    """The timeline's words for a parcel; emails are written from them, so they say it all."""
    message = f"Shipped: {contents}."
    if carrier:
        message += f" Carrier: {carrier}."
    if tracking_number:
        message += f" Tracking number: {tracking_number}."
    if still_waiting:
        message += f" Still waiting: {still_waiting}; it follows in its own parcel."
    return message
