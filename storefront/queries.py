"""The read side: what catalog pages show, each page in a fixed number of queries."""

from dataclasses import dataclass

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select

from . import engine
from .extensions import db
from .models import InboundShipment, Product, ShipmentStatus, Substitute


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
    shipments = db.session.execute(
        select(InboundShipment.id, InboundShipment.quantity, InboundShipment.expected_on).where(
            InboundShipment.product_id == product.id,
            InboundShipment.status == ShipmentStatus.SCHEDULED,
        )
    ).all()
    return engine.quote(
        new_order_stock(product, [engine.ScheduledShipment(*r) for r in shipments]), quantity
    )


def new_order_stock(product: Product, shipments: list[engine.ScheduledShipment]) -> engine.Stock:
    """The product's Stock as a new order sees it, from the stored summary and its schedule."""
    # A new order only needs to know how many units wait ahead of it, not whose they are.
    queue = (engine.QueuedLine(0, product.waiting_units),) if product.waiting_units else ()
    return engine.Stock(
        on_hand=product.on_hand,
        queue=queue,
        shipments=tuple(shipments),
        handling_days=current_app.config["HANDLING_DAYS"],
        policy=engine.BackorderPolicy(product.allow_backorders, product.backorder_limit),
    )
