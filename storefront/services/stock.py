"""Supply use cases: receive stock, preview a receipt, schedule and change inbound shipments."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import engine
from ..database import write_transaction
from ..extensions import db
from ..models import InboundShipment, Order, Product, ShipmentStatus, StockReceipt
from ..models.types import utcnow
from .errors import InvalidRequest, NotFound
from .supply import (
    Timeline,
    load_stock,
    lock_products,
    refresh_product,
    touch_queue,
    write_fills,
    write_promise_changes,
)

MAX_UNITS = 1_000_000


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


def product_id_for_sku(sku: str) -> int:
    product_id = db.session.scalar(select(Product.id).where(Product.sku == sku.strip()))
    if product_id is None:
        raise NotFound(f"No product with sku {sku!r}.")
    return product_id


def _check_units(quantity: int, *, allow_zero: bool = False) -> None:
    low = 0 if allow_zero else 1
    if not isinstance(quantity, int) or not low <= quantity <= MAX_UNITS:
        raise InvalidRequest(f"Quantity must be a whole number from {low} to {MAX_UNITS:,}.")


def _scheduled_shipment(session, shipment_id: int, product_id: int | None = None):
    shipment = session.get(InboundShipment, shipment_id, populate_existing=True)
    if shipment is None or (product_id is not None and shipment.product_id != product_id):
        raise NotFound("No such shipment for this product.")
    if shipment.status is not ShipmentStatus.SCHEDULED:
        raise InvalidRequest(f"That shipment is already {shipment.status.value}.")
    return shipment


def preview_receipt(product_id: int, quantity: int, shipment_id: int | None = None):
    """What receiving would do, computed exactly as `receive_stock` does, writing nothing."""
    _check_units(quantity)
    product = db.session.get(Product, product_id)
    if product is None:
        raise NotFound(f"No product with id {product_id}.")
    loaded = load_stock(db.session, product)
    if shipment_id is not None:
        _scheduled_shipment(db.session, shipment_id, product_id)
    receipt = engine.receive(loaded.stock, quantity, shipment_id)
    return _result(loaded, receipt)


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
    _check_units(quantity)
    try:
        with write_transaction() as session:
            product = lock_products(session, [product_id])[product_id]
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


def recent_receipts(limit: int = 10) -> list[StockReceipt]:
    return list(
        db.session.scalars(
            select(StockReceipt)
            .options(joinedload(StockReceipt.product))
            .order_by(StockReceipt.id.desc())
            .limit(limit)
        )
    )


def apply_receipt(
    session, product: Product, quantity: int, timeline: Timeline, shipment_id: int | None = None
) -> ReceiptResult:
    """Receive into a product already locked by the caller's transaction."""
    shipment = (
        None if shipment_id is None else _scheduled_shipment(session, shipment_id, product.id)
    )
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


def schedule_shipment(
    product_id: int, quantity: int, expected_on: date, reference: str = ""
) -> InboundShipment:
    return schedule_shipments([(product_id, quantity, expected_on, reference)])[0]


def schedule_shipments(rows: list[tuple[int, int, date, str]]) -> list[InboundShipment]:
    """Add expected shipments (one or a whole purchase order) and move affected dates."""
    for _, quantity, expected_on, _ in rows:
        _check_units(quantity)
        if not isinstance(expected_on, date):
            raise InvalidRequest("The expected date must be a date.")
    with write_transaction() as session:
        products = lock_products(session, {row[0] for row in rows})
        shipments = [
            InboundShipment(
                product_id=product_id,
                quantity=quantity,
                expected_on=expected_on,
                reference=reference.strip()[:120],
            )
            for product_id, quantity, expected_on, reference in rows
        ]
        session.add_all(shipments)
        session.flush()
        refresh_schedules(session, products.values())
        return shipments


def edit_shipment(shipment_id: int, quantity: int, expected_on: date) -> InboundShipment:
    _check_units(quantity)
    with write_transaction() as session:
        product_id = _scheduled_shipment(session, shipment_id).product_id
        product = lock_products(session, [product_id])[product_id]
        shipment = _scheduled_shipment(session, shipment_id)
        shipment.quantity = quantity
        shipment.expected_on = expected_on
        session.flush()
        refresh_schedules(session, [product])
        return shipment


def cancel_shipment(shipment_id: int) -> InboundShipment:
    with write_transaction() as session:
        product_id = _scheduled_shipment(session, shipment_id).product_id
        product = lock_products(session, [product_id])[product_id]
        shipment = _scheduled_shipment(session, shipment_id)
        shipment.status = ShipmentStatus.CANCELLED
        session.flush()
        refresh_schedules(session, [product])
        return shipment


def refresh_schedules(session, products) -> None:
    timeline = Timeline()
    for product in products:
        loaded = load_stock(session, product)
        # The stored dates are the "before"; the loaded schedule already has the change.
        changes = engine.promise_changes(loaded.stock)
        write_promise_changes(session, loaded, changes, timeline)
        refresh_product(product, loaded.stock)
    timeline.write(session)


def refresh_all_promises() -> int:
    """Re-date every waiting line and product card (run daily: overdue shipments move dates)."""
    with write_transaction() as session:
        ids = session.scalars(
            select(Product.id).where((Product.waiting_units > 0) | (Product.on_hand == 0))
        ).all()
        if ids:
            refresh_schedules(session, lock_products(session, ids).values())
        return len(ids)
