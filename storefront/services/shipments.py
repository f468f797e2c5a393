"""Incoming shipments: schedule, edit and cancel them; every change re-dates the waiting lines."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select

from .. import engine
from ..database import retry_on_conflict, write_transaction
from ..extensions import db
from ..models import InboundShipment, Product, ShipmentStatus
from .action_log import logged
from .errors import InvalidRequest
from .inventory import (
    LoadedStock,
    check_expected_on,
    check_units,
    load_stock,
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


@logged("shipments scheduled", result=lambda shipments: {"shipments": len(shipments)})
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
                supplier=products[product_id].supplier,
            )
            for product_id, quantity, expected_on, reference in rows
        ]
        session.add_all(shipments)
        session.flush()
        refresh_schedules(session, products.values())
        return shipments


@dataclass(frozen=True)
class DateMove:
    """Waiting orders whose ship date moves the same way: "3 orders move from 3 Dec to 17 Dec"."""

    orders: int
    before: date | None
    after: date | None


@dataclass(frozen=True)
class ScheduleEffect:
    """What a change to a shipment does (or would do) to the customers waiting for it."""

    product_sku: str
    moves: tuple[DateMove, ...]


def date_moves(
    loaded: LoadedStock, changes: Iterable[engine.PromiseChange]
) -> tuple[DateMove, ...]:
    """Moved lines grouped by (before, after), counting orders; earliest "before" first."""
    orders: dict[tuple, set[int]] = defaultdict(set)
    for change in changes:
        orders[change.before, change.after].add(loaded.order_of_line[change.line_id])
    moves = [DateMove(len(ids), before, after) for (before, after), ids in orders.items()]
    return tuple(sorted(moves, key=lambda m: (m.before or date.max, m.after or date.max)))


def preview_shipment_edit(shipment_id: int, quantity: int, expected_on: date) -> ScheduleEffect:
    """What `edit_shipment` would do, computed the same way, writing nothing."""
    shipment, loaded = _shipment_stock(db.session, shipment_id, lock=False)
    plan = _edit_plan(shipment, loaded, quantity, expected_on)
    return ScheduleEffect(loaded.product.sku, date_moves(loaded, plan.promise_changes))


@logged("shipment changed", ("shipment_id", "quantity"))
@retry_on_conflict
def edit_shipment(shipment_id: int, quantity: int, expected_on: date) -> ScheduleEffect:
    """A supplier changed a shipment's quantity or date: the waiting customers move with it."""
    with write_transaction() as session:
        shipment, loaded = _shipment_stock(session, shipment_id, lock=True)
        plan = _edit_plan(shipment, loaded, quantity, expected_on)
        shipment.quantity, shipment.expected_on = quantity, expected_on
        return _write_plan(session, loaded, plan)


def preview_shipment_cancel(shipment_id: int) -> ScheduleEffect:
    shipment, loaded = _shipment_stock(db.session, shipment_id, lock=False)
    plan = engine.drop_shipment(loaded.stock, shipment.id)
    return ScheduleEffect(loaded.product.sku, date_moves(loaded, plan.promise_changes))


@logged("shipment cancelled", ("shipment_id",))
@retry_on_conflict
def cancel_shipment(shipment_id: int) -> ScheduleEffect:
    """A shipment will not come: the customers it covered get a later date or none yet."""
    with write_transaction() as session:
        shipment, loaded = _shipment_stock(session, shipment_id, lock=True)
        plan = engine.drop_shipment(loaded.stock, shipment.id)
        shipment.status = ShipmentStatus.CANCELLED
        return _write_plan(session, loaded, plan)


def _shipment_stock(session, shipment_id: int, *, lock: bool):
    """A scheduled shipment and its product's stock; with `lock`, under the product's lock."""
    shipment = scheduled_shipment(session, shipment_id)
    if not lock:
        return shipment, load_stock(session, shipment.product)
    product = lock_products(session, [shipment.product_id])[shipment.product_id]
    lock_waiting_orders(session, [product.id])
    # Read again under the lock: another change may have received or cancelled it.
    shipment = scheduled_shipment(session, shipment_id)
    return shipment, load_stock(session, product)


def _edit_plan(shipment, loaded: LoadedStock, quantity: int, expected_on: date) -> engine.Release:
    check_units(quantity)
    # An overdue shipment may keep its date while its quantity changes; a new date is real.
    if expected_on != shipment.expected_on:
        check_expected_on(expected_on)
    return engine.move_shipment(loaded.stock, shipment.id, quantity, expected_on)


def _write_plan(session, loaded: LoadedStock, plan: engine.Release) -> ScheduleEffect:
    timeline = Timeline()
    session.flush()
    write_promise_changes(session, loaded, plan.promise_changes, timeline)
    refresh_product(loaded.product, plan.stock)
    timeline.write(session)
    return ScheduleEffect(loaded.product.sku, date_moves(loaded, plan.promise_changes))


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


@logged("promises refreshed", result=lambda products: {"products": products})
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
