"""Incoming shipments: schedule, edit and cancel them; every change re-dates the waiting lines."""

from collections.abc import Callable, Sequence
from datetime import date

from flask import current_app
from sqlalchemy import select

from .. import engine
from ..database import retry_on_conflict, write_transaction
from ..extensions import db
from ..models import InboundShipment, Product, ShipmentStatus
from .errors import InvalidRequest
from .inventory import (
    check_units,
    load_stocks,
    lock_products,
    lock_waiting_orders,
    refresh_product,
    scheduled_shipment,
    write_promise_changes,
)
from .timeline import Timeline


def schedule_shipment(
    product_id: int, quantity: int, expected_on: date, reference: str = ""
) -> InboundShipment:
    return schedule_shipments([(product_id, quantity, expected_on, reference)])[0]


@retry_on_conflict
def schedule_shipments(rows: list[tuple[int, int, date, str]]) -> list[InboundShipment]:
    """Add expected shipments (one or a whole purchase order) and move affected dates."""
    for _, quantity, expected_on, _ in rows:
        check_units(quantity)
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


@retry_on_conflict
def edit_shipment(shipment_id: int, quantity: int, expected_on: date) -> InboundShipment:
    check_units(quantity)
    with write_transaction() as session:
        product_id = scheduled_shipment(session, shipment_id).product_id
        product = lock_products(session, [product_id])[product_id]
        shipment = scheduled_shipment(session, shipment_id)
        shipment.quantity = quantity
        shipment.expected_on = expected_on
        session.flush()
        refresh_schedules(session, [product])
        return shipment


@retry_on_conflict
def cancel_shipment(shipment_id: int) -> InboundShipment:
    with write_transaction() as session:
        product_id = scheduled_shipment(session, shipment_id).product_id
        product = lock_products(session, [product_id])[product_id]
        shipment = scheduled_shipment(session, shipment_id)
        shipment.status = ShipmentStatus.CANCELLED
        session.flush()
        refresh_schedules(session, [product])
        return shipment


def refresh_schedules(session, products) -> None:
    """Re-date the products' waiting lines (the caller holds the products' locks)."""
    products = list(products)
    lock_waiting_orders(session, [product.id for product in products])
    timeline = Timeline()
    for loaded in load_stocks(session, products):
        # The stored dates are the "before"; the loaded schedule already has the change.
        changes = engine.promise_changes(loaded.stock)
        write_promise_changes(session, loaded, changes, timeline)
        refresh_product(loaded.product, loaded.stock)
    timeline.write(session)


def products_to_refresh() -> list[int]:
    """The products whose dates can move with the calendar: units waiting, or none on hand."""
    query = select(Product.id).where((Product.waiting_units > 0) | (Product.on_hand == 0))
    return list(db.session.scalars(query.order_by(Product.sku)))


@retry_on_conflict
def refresh_promises_of(product_ids: Sequence[int]) -> int:
    """Re-date one batch of products in one short transaction; products gone are skipped."""
    with write_transaction() as session:
        products = lock_products(session, product_ids, missing_ok=True)
        refresh_schedules(session, products.values())
        return len(products)


def refresh_all_promises(
    product_ids: Sequence[int] | None = None,
    *,
    batch_size: int | None = None,
    progress: Callable[[int], object] | None = None,
) -> int:
    """Re-date every waiting line and product card (run daily: overdue shipments move dates).

    A few products per transaction (`REFRESH_BATCH_PRODUCTS`), each batch committed before
    the next is locked: a checkout waits for one batch at most, never for the whole run.
    `progress` is told how many products each batch held.
    """
    ids = products_to_refresh() if product_ids is None else list(product_ids)
    size = batch_size or current_app.config["REFRESH_BATCH_PRODUCTS"]
    for start in range(0, len(ids), size):
        batch = ids[start : start + size]
        refresh_promises_of(batch)
        if progress is not None:
            progress(len(batch))
    return len(ids)
