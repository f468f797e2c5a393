"""Receiving stock: units that arrive fill the waiting lines first; a preview writes nothing."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import engine
from ..database import retry_on_conflict, write_transaction
from ..extensions import db
from ..models import InboundShipment, Order, Product, ShipmentStatus, StockReceipt
from ..models.types import utcnow
from .action_log import logged
from .alerts import product_available
from .errors import InvalidRequest, NotFound
from .inventory import (
    check_expected_on,
    check_units,
    load_stock,
    lock_products,
    lock_waiting_orders,
    refresh_product,
    scheduled_shipment,
    touch_queue,
    write_fills,
    write_promise_changes,
)
from .shipments import DateMove, date_moves
from .timeline import Timeline


@dataclass(frozen=True)
class FilledOrder:
    order_number: int
    units: int


@dataclass(frozen=True)
class ShipmentLeft:
    """What happens to the part of a shipment that did not arrive."""

    units: int
    expected_on: date | None  # None: those units are no longer expected


@dataclass(frozen=True)
class ReceiptResult:
    product_sku: str
    received: int
    to_on_hand: int
    filled: tuple[FilledOrder, ...]
    dates_changed: int
    moves: tuple[DateMove, ...] = ()
    shipment_left: ShipmentLeft | None = None  # set when fewer came than a shipment expected


def preview_receipt(
    product_id: int,
    quantity: int,
    shipment_id: int | None = None,
    rest_expected_on: date | None = None,
) -> ReceiptResult:
    """What receiving would do, computed exactly as `receive_stock` does, writing nothing."""
    check_units(quantity)
    product = db.session.get(Product, product_id)
    if product is None:
        raise NotFound(f"No product with id {product_id}.")
    shipment = None
    if shipment_id is not None:
        shipment = scheduled_shipment(db.session, shipment_id, product_id)
    loaded = load_stock(db.session(), product)
    left = _shipment_left(shipment, quantity, rest_expected_on)
    # The rest has no id before it is written; any id works, as ties on a date give one date.
    rest = _rest_shipment(0, left)
    receipt = engine.receive(loaded.stock, quantity, shipment_id, rest)
    return _result(loaded, receipt, left)


def _receipt_fields(result: ReceiptResult) -> dict:
    return {
        "sku": result.product_sku,
        "orders_filled": len(result.filled),
        "to_on_hand": result.to_on_hand,
        "dates_changed": result.dates_changed,
    }


@logged("stock received", ("product_id", "quantity", "shipment_id"), result=_receipt_fields)
@retry_on_conflict
def receive_stock(
    product_id: int,
    quantity: int,
    shipment_id: int | None = None,
    *,
    rest_expected_on: date | None = None,
    receipt_key: str | None = None,
    received_by_id: int | None = None,
) -> ReceiptResult:
    """Units arrived: fill the waiting lines first-come, first-served; the rest goes on hand.

    Against a shipment that brought fewer units than expected, the missing units stay
    expected on `rest_expected_on` (a new scheduled shipment), or, without a date, are no
    longer expected. The receipt is recorded; a `receipt_key` already recorded (the same
    form sent twice) is refused, so the units are never counted twice.
    """
    check_units(quantity)
    try:
        with write_transaction() as session:
            product = lock_products(session, [product_id])[product_id]
            lock_waiting_orders(session, [product_id])
            # Checked under the product lock: a concurrent twin waits, then sees this one.
            if receipt_key and _receipt_recorded(session, receipt_key):
                raise AlreadyRecorded(ALREADY_RECORDED)
            timeline = Timeline()
            result = apply_receipt(
                session, product, quantity, timeline, shipment_id, rest_expected_on
            )
            session.add(
                StockReceipt(
                    product_id=product_id,
                    shipment_id=shipment_id,
                    quantity=quantity,
                    orders_filled=len(result.filled),
                    to_on_hand=result.to_on_hand,
                    receipt_key=receipt_key,
                    received_by_id=received_by_id,
                )
            )
            timeline.write(session)
            return result
    except IntegrityError:
        if receipt_key and _receipt_recorded(db.session, receipt_key):
            raise AlreadyRecorded(ALREADY_RECORDED) from None
        raise


ALREADY_RECORDED = "This delivery was already recorded; nothing was added a second time."


class AlreadyRecorded(InvalidRequest):
    pass


def _receipt_recorded(session, receipt_key: str) -> bool:
    found = select(StockReceipt.id).where(StockReceipt.receipt_key == receipt_key)
    return session.scalar(found) is not None


def apply_receipt(
    session,
    product: Product,
    quantity: int,
    timeline: Timeline,
    shipment_id: int | None = None,
    rest_expected_on: date | None = None,
) -> ReceiptResult:
    """Receive into a product already locked by the caller's transaction."""
    shipment = None if shipment_id is None else scheduled_shipment(session, shipment_id, product.id)
    loaded = load_stock(session, product)
    left = _shipment_left(shipment, quantity, rest_expected_on)
    rest = None
    if shipment is not None and left is not None and left.expected_on is not None:
        rest = InboundShipment(
            product_id=product.id,
            quantity=left.units,
            expected_on=left.expected_on,
            reference=shipment.reference,
        )
        session.add(rest)
        session.flush()
    receipt = engine.receive(loaded.stock, quantity, shipment_id, _rest_shipment(rest, left))
    if shipment is not None:
        shipment.status = ShipmentStatus.RECEIVED
        shipment.received_quantity = quantity
        shipment.received_at = utcnow()
    write_fills(session, loaded, receipt.fills, receipt.stock, timeline)
    write_promise_changes(
        session,
        loaded,
        receipt.promise_changes,
        timeline,
        skip=[fill.line_id for fill in receipt.fills],
    )
    if receipt.fills:
        touch_queue(loaded, receipt.stock, timeline)
    refresh_product(product, receipt.stock)
    product_available(session, product)
    return _result(loaded, receipt, left)


def _shipment_left(shipment, quantity: int, rest_expected_on: date | None) -> ShipmentLeft | None:
    """The units of `shipment` that did not come, and when they are expected now, if ever."""
    if shipment is None or quantity >= shipment.quantity:
        return None
    if rest_expected_on is not None:
        check_expected_on(rest_expected_on)
    return ShipmentLeft(shipment.quantity - quantity, rest_expected_on)


def _rest_shipment(rest, left: ShipmentLeft | None) -> engine.ScheduledShipment | None:
    """The engine's view of the still-expected rest: `rest` is its row or a stand-in id."""
    if left is None or left.expected_on is None:
        return None
    rest_id = rest if isinstance(rest, int) else rest.id
    return engine.ScheduledShipment(rest_id, left.units, left.expected_on)


def _result(loaded, receipt, left: ShipmentLeft | None = None) -> ReceiptResult:
    units_by_order: dict[int, int] = defaultdict(int)
    for fill in receipt.fills:
        units_by_order[loaded.order_of_line[fill.line_id]] += fill.units
    return ReceiptResult(
        product_sku=loaded.product.sku,
        received=receipt.received,
        to_on_hand=receipt.to_on_hand,
        filled=tuple(
            FilledOrder(Order.number_for_id(order_id), units)
            for order_id, units in units_by_order.items()
        ),
        dates_changed=len(receipt.promise_changes),
        moves=date_moves(loaded, receipt.promise_changes),
        shipment_left=left,
    )
