"""A product's stock for the use cases: lock the rows, load the engine's Stock, write results."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import engine
from ..database import among
from ..engine import Fill, LineRef, PromiseChange, QueuedLine, Stock
from ..engine.limits import MAX_SHIPMENT_UNITS, latest_expected_on
from ..engine.stock import stored_id
from ..extensions import db
from ..models import InboundShipment, Order, OrderLine, Product, ShipmentStatus
from ..models.types import today
from .errors import InvalidRequest, NotFound
from .suppliers import promise_buffers
from .timeline import Timeline, expire


def lock_products(
    session: Session, product_ids: Iterable[int], *, missing_ok: bool = False
) -> dict[int, Product]:
    """Lock the rows in sku order (one order for everyone, so no deadlocks), freshly read.

    A product that does not exist is NotFound, unless `missing_ok` (then it is left out).
    """
    ids = set(product_ids)
    query = (
        select(Product)
        .where(Product.id.in_(ids))
        .order_by(Product.sku)
        .execution_options(populate_existing=True)
    )
    if session.get_bind().dialect.name != "sqlite":  # SQLite holds its write lock already
        query = query.with_for_update()
    products = {product.id: product for product in session.scalars(query)}
    missing = ids - products.keys()
    if missing and not missing_ok:
        raise NotFound(f"No product with id {min(missing)}.")
    return products


# Past this many products a use case locks every waiting order instead of listing the
# products (PostgreSQL takes at most 65,535 parameters in a statement).
_ORDER_LOCK_BY_PRODUCT = 10_000


def lock_waiting_orders(
    session: Session, product_ids: Iterable[int], also: Iterable[int] = ()
) -> None:
    """Lock the orders waiting for these products, and orders `also`, in id order.

    Locks are taken in one global order: products by sku (the caller has them), then
    orders by id, all in this one statement before any order row is written. Two use
    cases on different products whose queues share orders then queue up instead of each
    holding an order the other needs (a deadlock).
    """
    if session.get_bind().dialect.name == "sqlite":  # SQLite holds its write lock already
        return
    ids = set(product_ids)
    waiting = select(OrderLine.order_id).where(OrderLine.waiting > 0)
    if len(ids) <= _ORDER_LOCK_BY_PRODUCT:
        waiting = waiting.where(OrderLine.product_id.in_(ids))
    query = (
        select(Order.id)
        .where(Order.id.in_(waiting) | Order.id.in_(set(also)))
        .order_by(Order.id)
        .with_for_update(key_share=True)  # FOR NO KEY UPDATE: what an UPDATE of them takes
    )
    session.execute(query).all()


@dataclass
class LoadedStock:
    """A product's Stock plus the facts the engine does not need but the writer does."""

    product: Product
    stock: Stock
    order_of_line: dict[LineRef, int] = field(default_factory=dict)


def load_stock(session: Session, product: Product) -> LoadedStock:
    return load_stocks(session, [product])[0]


def load_stocks(session: Session, products: Sequence[Product]) -> list[LoadedStock]:
    """Each product's queue and schedule as the engine's Stock, in two queries for them all."""
    ids = [product.id for product in products]
    queue_rows = session.execute(
        select(
            OrderLine.product_id,
            OrderLine.id,
            OrderLine.order_id,
            OrderLine.waiting,
            OrderLine.promised_on,
        )
        .where(OrderLine.product_id.in_(ids), OrderLine.waiting > 0)
        .order_by(OrderLine.product_id, OrderLine.placed_at, OrderLine.id)
    ).all()
    queues: dict[int, list[QueuedLine]] = defaultdict(list)
    order_of_line: dict[int, dict[LineRef, int]] = defaultdict(dict)
    for row in queue_rows:
        queues[row.product_id].append(QueuedLine(row.id, row.waiting, row.promised_on))
        order_of_line[row.product_id][row.id] = row.order_id
    supply = scheduled_supply(ids)
    buffers = promise_buffers(products)
    return [
        LoadedStock(
            product,
            product_stock(
                product,
                supply[product.id],
                tuple(queues[product.id]),
                buffers.get(product.id, 0),
            ),
            order_of_line[product.id],
        )
        for product in products
    ]


def refresh_product(product: Product, stock: Stock) -> None:
    """Keep the catalog's stored summary equal to what the engine says."""
    product.on_hand = stock.on_hand
    product.waiting_units = stock.waiting_units
    product.next_promise_on = None if stock.on_hand else engine.quote(stock, 1).promised_on


def scheduled_supply(product_ids: Iterable[int]) -> dict[int, list[engine.ScheduledShipment]]:
    """The supply still expected for each product, as the engine takes it, in one query."""
    found = defaultdict(list)
    rows = db.session.execute(
        select(
            InboundShipment.product_id,
            InboundShipment.id,
            InboundShipment.quantity,
            InboundShipment.expected_on,
        ).where(
            InboundShipment.product_id.in_(list(product_ids)),
            InboundShipment.status == ShipmentStatus.SCHEDULED,
        )
    )
    for row in rows:
        found[row.product_id].append(
            engine.ScheduledShipment(row.id, row.quantity, row.expected_on)
        )
    return found


def product_stock(
    product: Product,
    shipments: list[engine.ScheduledShipment],
    queue: tuple[engine.QueuedLine, ...],
    buffer_days: int = 0,
) -> Stock:
    """The engine's view of one product, with the shop's settings and today's date;
    `buffer_days` pad its dates (see `suppliers.promise_buffers`)."""
    return Stock(
        on_hand=product.on_hand,
        queue=queue,
        shipments=tuple(shipments),
        handling_days=current_app.config["HANDLING_DAYS"],
        policy=engine.BackorderPolicy(product.allow_backorders, product.backorder_limit),
        today=today(),
        buffer_days=buffer_days,
    )


def new_order_stock(
    product: Product, shipments: list[engine.ScheduledShipment], buffer_days: int = 0
) -> Stock:
    """The product's Stock as a new order sees it, from the stored summary and its schedule."""
    # A new order only needs to know how many units wait ahead of it, not whose they are.
    queue = (QueuedLine(0, product.waiting_units),) if product.waiting_units else ()
    return product_stock(product, shipments, queue, buffer_days)


def quote_product(product: Product, quantity: int) -> engine.Quote:
    """What an order of `quantity` units would get now: ships now, waits, and until when."""
    shipments = scheduled_supply([product.id])[product.id]
    buffer_days = promise_buffers([product]).get(product.id, 0)
    return engine.quote(new_order_stock(product, shipments, buffer_days), quantity)


def check_units(quantity: int, *, allow_zero: bool = False) -> None:
    low = 0 if allow_zero else 1
    if not isinstance(quantity, int) or not low <= quantity <= MAX_SHIPMENT_UNITS:
        raise InvalidRequest(
            f"Quantity must be a whole number from {low} to {MAX_SHIPMENT_UNITS:,}."
        )


def check_expected_on(day: date) -> None:
    """A date a shipment can be expected on: from today to the shop's horizon."""
    if not isinstance(day, date):
        raise InvalidRequest("The expected date must be a date.")
    if day < today():
        raise InvalidRequest("The expected date cannot be in the past.")
    if day > latest_expected_on(today()):
        raise InvalidRequest("Choose a date within the next three years.")


def scheduled_shipment(session, shipment_id: int, product_id: int | None = None):
    shipment = session.get(InboundShipment, shipment_id, populate_existing=True)
    if shipment is None or (product_id is not None and shipment.product_id != product_id):
        raise NotFound("No such shipment for this product.")
    if shipment.status is not ShipmentStatus.SCHEDULED:
        raise InvalidRequest(f"That shipment is already {shipment.status.value}.")
    return shipment


def write_fills(
    session: Session,
    loaded: LoadedStock,
    fills: Sequence[Fill],
    new_stock: Stock,
    timeline: Timeline,
) -> None:
    """Units given to waiting lines become allocated; the lines' orders hear about it."""
    if not fills:
        return
    still_waiting = {line.line_id: line.promised_on for line in new_stock.queue}
    table = OrderLine.__table__
    # Lines that get the same units and date share one statement.
    groups: dict[tuple[int, date | None], list[int]] = defaultdict(list)
    for fill in fills:
        groups[fill.units, still_waiting.get(fill.line_id)].append(stored_id(fill.line_id))
    for (units, promised_on), line_ids in groups.items():
        for condition in among(session, table.c.id, line_ids):
            session.execute(
                update(table)
                .where(condition)
                .values(
                    allocated=table.c.allocated + units,
                    waiting=table.c.waiting - units,
                    promised_on=promised_on,
                )
            )
    for fill in fills:
        order_id = loaded.order_of_line[fill.line_id]
        timeline.units_reserved(order_id, fill, loaded.product.name, still_waiting)
    expire(session, OrderLine, {fill.line_id for fill in fills})


def write_promise_changes(
    session: Session,
    loaded: LoadedStock,
    changes: Sequence[PromiseChange],
    timeline: Timeline,
    skip: Iterable[LineRef] = (),
) -> None:
    """Store new dates; lines in `skip` were already written (and told) by write_fills."""
    skip = set(skip)
    changes = [change for change in changes if change.line_id not in skip]
    if not changes:
        return
    table = OrderLine.__table__
    # Lines given the same date share one statement.
    by_date: dict[date | None, list[int]] = defaultdict(list)
    for change in changes:
        by_date[change.after].append(stored_id(change.line_id))
    for promised_on, line_ids in by_date.items():
        for condition in among(session, table.c.id, line_ids):
            session.execute(update(table).where(condition).values(promised_on=promised_on))
    for change in changes:
        timeline.date_changed(loaded.order_of_line[change.line_id], change, loaded.product.name)
    expire(session, OrderLine, {c.line_id for c in changes})


def touch_queue(loaded: LoadedStock, stock: Stock, timeline: Timeline) -> None:
    """Everyone still waiting in `stock`'s queue moved in it ("3rd in line" is now "2nd"):
    their orders' versions go up with the timeline's, so tracking pages refresh."""
    timeline.touch(loaded.order_of_line[line.line_id] for line in stock.queue)
