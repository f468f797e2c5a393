"""Incoming shipments: schedule, edit and cancel them; every change re-dates the waiting lines."""

from datetime import date

from sqlalchemy import select

from .. import engine
from ..database import retry_on_conflict, write_transaction
from ..models import InboundShipment, Product, ShipmentStatus
from .errors import InvalidRequest
from .inventory import (
    check_units,
    load_stock,
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
