"""The read side: what catalog pages show, each page in a fixed number of queries."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import and_, func, select, tuple_
from sqlalchemy.orm import aliased

from . import engine
from .extensions import db
from .models import InboundShipment, Order, OrderLine, Product, ShipmentStatus, Substitute
from .models.types import today


@dataclass(frozen=True)
class CatalogFilter:
    category: str = ""
    available_now: bool = False
    search: str = ""
    page: int = 1


def catalog_page(criteria: CatalogFilter, per_page: int) -> Pagination:
    query = select(Product).order_by(Product.category, Product.name, Product.id)
    if criteria.category:
        query = query.where(Product.category == criteria.category)
    if criteria.available_now:
        query = query.where(Product.on_hand > 0)
    if criteria.search:
        escaped = criteria.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Product.name.ilike(f"%{escaped}%", escape="\\"))
    return db.paginate(query, page=criteria.page, per_page=per_page, error_out=False)


def categories() -> list[str]:
    query = select(Product.category).where(Product.category != "").distinct()
    return sorted(db.session.scalars(query))


def product_by_slug(slug: str) -> Product | None:
    return db.session.scalar(select(Product).where(Product.slug == slug))


def in_stock_substitutes(product: Product, min_units: int = 1) -> list[Product]:
    """The product's ranked substitutes that can ship `min_units` now."""
    query = (
        select(Product)
        .join(Substitute, Substitute.substitute_id == Product.id)
        .where(Substitute.product_id == product.id, Product.on_hand >= min_units)
        .order_by(Substitute.rank, Product.name)
    )
    return list(db.session.scalars(query))


def quote_for(product: Product, quantity: int) -> engine.Quote:
    """What an order of `quantity` units would get now: ships now, waits, and until when."""
    shipments = scheduled_shipments([product.id])[product.id]
    return engine.quote(new_order_stock(product, shipments), quantity)


def scheduled_shipments(product_ids) -> dict[int, list[engine.ScheduledShipment]]:
    """The supply still expected for each product, in one query."""
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
) -> engine.Stock:
    """The engine's view of one product, with the shop's settings and today's date."""
    return engine.Stock(
        on_hand=product.on_hand,
        queue=queue,
        shipments=tuple(shipments),
        handling_days=current_app.config["HANDLING_DAYS"],
        policy=engine.BackorderPolicy(product.allow_backorders, product.backorder_limit),
        today=today(),
    )


def new_order_stock(product: Product, shipments: list[engine.ScheduledShipment]) -> engine.Stock:
    """The product's Stock as a new order sees it, from the stored summary and its schedule."""
    # A new order only needs to know how many units wait ahead of it, not whose they are.
    queue = (engine.QueuedLine(0, product.waiting_units),) if product.waiting_units else ()
    return product_stock(product, shipments, queue)


# Tracking: an order as its customer sees it.


def order_by_token(token: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.token == token))


def order_version(token: str) -> int | None:
    """All a poll costs when nothing changed: one lookup on the unique token index."""
    return db.session.scalar(select(Order.version).where(Order.token == token))


def tracking_token(order_id: int, email: str) -> str | None:
    """The token of the order with this id and email (any case), else None.

    One query whatever the input, so a wrong number and a wrong email cost the same.
    """
    return db.session.scalar(
        select(Order.token).where(
            Order.id == order_id, func.lower(Order.email) == email.strip().lower()
        )
    )


def queue_positions(order: Order) -> dict[int, int]:
    """Each waiting line's place in its product's queue (1 = filled next), in one query."""
    ahead = aliased(OrderLine)
    # A row-value comparison lets both databases range-scan the queue index.
    earlier = tuple_(ahead.placed_at, ahead.id) < tuple_(OrderLine.placed_at, OrderLine.id)
    query = (
        select(OrderLine.id, func.count(ahead.id) + 1)
        .outerjoin(
            ahead, and_(ahead.product_id == OrderLine.product_id, ahead.waiting > 0, earlier)
        )
        .where(OrderLine.order_id == order.id, OrderLine.waiting > 0)
        .group_by(OrderLine.id)
    )
    return {line_id: position for line_id, position in db.session.execute(query)}


def in_stock_substitutes_for(lines: Sequence[OrderLine]) -> dict[int, list[Product]]:
    """For each waiting line, by id: its product's ranked substitutes that can ship all of
    its waiting units now. One query for all the lines."""
    waiting_lines = [line for line in lines if line.waiting]
    if not waiting_lines:
        return {}
    query = (
        select(Substitute.product_id, Product)
        .join(Product, Substitute.substitute_id == Product.id)
        .where(
            Substitute.product_id.in_({line.product_id for line in waiting_lines}),
            Product.on_hand >= min(line.waiting for line in waiting_lines),
        )
        .order_by(Substitute.rank, Product.name)
    )
    substitutes_of = defaultdict(list)
    for product_id, substitute in db.session.execute(query):
        substitutes_of[product_id].append(substitute)
    return {
        line.id: [p for p in substitutes_of[line.product_id] if p.on_hand >= line.waiting]
        for line in waiting_lines
    }
