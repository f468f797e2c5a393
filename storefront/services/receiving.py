"""Receiving stock: units that arrive fill the waiting lines first; a preview writes nothing."""

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import engine
from ..database import retry_on_conflict, write_transaction
from ..extensions import db
from ..models import Order, Product, ShipmentStatus, StockReceipt
from ..models.types import utcnow
from .errors import InvalidRequest, NotFound
from .inventory import (
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
from .timeline import Timeline


@dataclass(frozen=True)
class FilledOrder:
    order_number: int
    units: int


@dataclass(frozen=True)
class ReceiptResult:
    product_sku: str
    received: int
    to_on_hand: int
    filled: tuple[FilledOrder, ...]
    dates_changed: int


def preview_receipt(product_id: int, quantity: int, shipment_id: int | None = None):
    """What receiving would do, computed exactly as `receive_stock` does, writing nothing."""
    check_units(quantity)
    product = db.session.get(Product, product_id)
    if product is None:
        raise NotFound(f"No product with id {product_id}.")
    loaded = load_stock(db.session, product)
    if shipment_id is not None:
        scheduled_shipment(db.session, shipment_id, product_id)
    receipt = engine.receive(loaded.stock, quantity, shipment_id)
    return _result(loaded, receipt)


@retry_on_conflict
def receive_stock(
    product_id: int,
    quantity: int,
    shipment_id: int | None = None,
    *,
    receipt_key: str | None = None,
    received_by_id: int | None = None,
) -> ReceiptResult:
    """Units arrived: fill the waiting lines first-come, first-served; the rest goes on hand.

    The receipt is recorded; a `receipt_key` already recorded (the same form sent twice)
    is refused, so the units are never counted twice.
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
            result = apply_receipt(session, product, quantity, timeline, shipment_id)
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
    session, product: Product, quantity: int, timeline: Timeline, shipment_id: int | None = None
) -> ReceiptResult:
    """Receive into a product already locked by the caller's transaction."""
    shipment = None if shipment_id is None else scheduled_shipment(session, shipment_id, product.id)
    loaded = load_stock(session, product)
    receipt = engine.receive(loaded.stock, quantity, shipment_id)
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
        touch_queue(session, product.id)
    refresh_product(product, receipt.stock)
    return _result(loaded, receipt)


def _result(loaded, receipt) -> ReceiptResult:
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
    )
