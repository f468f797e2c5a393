"""What staff read to restock: demand and supply per product, shipments expected, receipts."""

import enum
from dataclasses import dataclass
from datetime import UTC, datetime

from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import (
    InboundShipment,
    OrderLine,
    Product,
    ShipmentStatus,
    StockAlert,
    StockReceipt,
)
from ..models.types import today


class Attention(enum.StrEnum):
    """Why a product needs staff's attention; ANY is any of the three."""

    ANY = "attention"
    UNCOVERED = "uncovered"  # units waiting beyond the scheduled supply
    OVERDUE = "overdue"  # a shipment still expected after its date
    LOW = "low"  # on hand at or under the product's low-stock threshold


@dataclass(frozen=True)
class RestockFilter:
    search: str = ""
    category: str = ""
    attention: Attention | None = None
    page: int = 1


@dataclass(frozen=True)
class RestockRow:
    """One product's demand and supply. New figures become fields here (and columns below)."""

    product: Product
    waiting_lines: int
    oldest_waiting_since: datetime | None
    scheduled_units: int
    overdue_shipments: int
    subscribers: int = 0  # shoppers asking to be told when it can be ordered: demand too

    @property
    def waiting_units(self) -> int:
        return self.product.waiting_units

    @property
    def uncovered_units(self) -> int:
        return max(0, self.waiting_units - self.scheduled_units)

    @property
    def low_stock(self) -> bool:
        return self.product.on_hand <= self.product.low_stock_threshold


class _RowPagination(SelectPagination):
    """db.paginate over a select of several columns, each row made into a RestockRow."""

    def _query_items(self) -> list[RestockRow]:
        query = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return [_restock_row(*row) for row in self._query_args["session"].execute(query)]


def restock_page(criteria: RestockFilter, per_page: int) -> Pagination:
    """One page of products, most uncovered first: two queries whatever the catalog's size."""
    query, uncovered, overdue = _restock_select()
    if criteria.search:
        pattern = f"%{_escape_like(criteria.search)}%"
        query = query.where(
            or_(Product.name.ilike(pattern, escape="\\"), Product.sku.ilike(pattern, escape="\\"))
        )
    if criteria.category:
        query = query.where(Product.category == criteria.category)
    if criteria.attention:
        query = query.where(_needs(criteria.attention, uncovered, overdue))
    query = query.order_by(uncovered.desc(), Product.waiting_units.desc(), Product.name, Product.id)
    return _RowPagination(
        select=query, session=db.session, page=criteria.page, per_page=per_page, error_out=False
    )


def all_restock_rows() -> list[RestockRow]:
    """Every product's row, most uncovered first (for tools that look at the whole catalog)."""
    query, uncovered, _ = _restock_select()
    query = query.order_by(uncovered.desc(), Product.waiting_units.desc(), Product.name, Product.id)
    return [_restock_row(*row) for row in db.session.execute(query)]


def restock_row(*, sku: str | None = None, product_id: int | None = None) -> RestockRow | None:
    """One product's row, by sku or by id."""
    query, _, _ = _restock_select()
    found = Product.sku == sku if product_id is None else Product.id == product_id
    row = db.session.execute(query.where(found)).first()
    return _restock_row(*row) if row else None


def _restock_select() -> tuple[Select, ColumnElement[int], ColumnElement[int]]:
    """Products with their queue and schedule figures; and the uncovered and overdue columns."""
    waiting = (
        select(
            OrderLine.product_id,
            func.count().label("lines"),
            func.min(OrderLine.placed_at).label("oldest"),
        )
        .where(OrderLine.waiting > 0)
        .group_by(OrderLine.product_id)
        .subquery("waiting")
    )
    supply = (
        select(
            InboundShipment.product_id,
            func.sum(InboundShipment.quantity).label("units"),
            func.sum(case((InboundShipment.expected_on < today(), 1), else_=0)).label("overdue"),
        )
        .where(InboundShipment.status == ShipmentStatus.SCHEDULED)
        .group_by(InboundShipment.product_id)
        .subquery("supply")
    )
    alerts = _subscriber_counts()
    scheduled = func.coalesce(supply.c.units, 0)
    overdue = func.coalesce(supply.c.overdue, 0)
    uncovered = case(
        (Product.waiting_units > scheduled, Product.waiting_units - scheduled), else_=0
    )
    query = (
        select(
            Product,
            func.coalesce(waiting.c.lines, 0),
            waiting.c.oldest,
            scheduled,
            overdue,
            func.coalesce(alerts.c.subscribers, 0),
        )
        .outerjoin(waiting, waiting.c.product_id == Product.id)
        .outerjoin(supply, supply.c.product_id == Product.id)
        .outerjoin(alerts, alerts.c.product_id == Product.id)
    )
    return query, uncovered, overdue


def _subscriber_counts():
    """Back-in-stock subscribers per product: demand that cannot order yet."""
    return (
        select(StockAlert.product_id, func.count().label("subscribers"))
        .group_by(StockAlert.product_id)
        .subquery("alerts")
    )


def _needs(attention: Attention, uncovered, overdue) -> ColumnElement[bool]:
    conditions = {
        Attention.UNCOVERED: uncovered > 0,
        Attention.OVERDUE: overdue > 0,
        Attention.LOW: Product.on_hand <= Product.low_stock_threshold,
    }
    if attention is Attention.ANY:
        return or_(*conditions.values())
    return conditions[attention]


def _restock_row(product, lines, oldest, scheduled, overdue, subscribers) -> RestockRow:
    if oldest is not None and oldest.tzinfo is None:  # aggregates skip the column type
        oldest = oldest.replace(tzinfo=UTC)
    return RestockRow(product, lines, oldest, int(scheduled), int(overdue), int(subscribers))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class IncomingShipment:
    shipment: InboundShipment
    overdue: bool


@dataclass(frozen=True)
class ShipmentFilter:
    search: str = ""
    overdue_only: bool = False
    page: int = 1


def incoming_page(criteria: ShipmentFilter, per_page: int) -> Pagination:
    """Shipments still expected, soonest (so overdue) first, with their products."""
    query = (
        select(InboundShipment)
        .join(InboundShipment.product)
        .options(joinedload(InboundShipment.product))
        .where(InboundShipment.status == ShipmentStatus.SCHEDULED)
        .order_by(InboundShipment.expected_on, InboundShipment.id)
    )
    if criteria.search:
        pattern = f"%{_escape_like(criteria.search)}%"
        query = query.where(
            or_(
                Product.name.ilike(pattern, escape="\\"),
                Product.sku.ilike(pattern, escape="\\"),
                InboundShipment.reference.ilike(pattern, escape="\\"),
            )
        )
    if criteria.overdue_only:
        query = query.where(InboundShipment.expected_on < today())
    page = db.paginate(query, page=criteria.page, per_page=per_page, error_out=False)
    page.items = [_incoming(shipment) for shipment in page.items]
    return page


def product_shipments(product_id: int) -> list[IncomingShipment]:
    """One product's shipments still expected, soonest first."""
    query = (
        select(InboundShipment)
        .where(
            InboundShipment.product_id == product_id,
            InboundShipment.status == ShipmentStatus.SCHEDULED,
        )
        .order_by(InboundShipment.expected_on, InboundShipment.id)
    )
    return [_incoming(shipment) for shipment in db.session.scalars(query)]


def shipment_by_id(shipment_id: int) -> IncomingShipment | None:
    query = (
        select(InboundShipment)
        .options(joinedload(InboundShipment.product))
        .where(InboundShipment.id == shipment_id)
    )
    shipment = db.session.scalar(query)
    return _incoming(shipment) if shipment else None


def _incoming(shipment: InboundShipment) -> IncomingShipment:
    overdue = shipment.status is ShipmentStatus.SCHEDULED and shipment.expected_on < today()
    return IncomingShipment(shipment, overdue)


def recent_receipts(limit: int = 10, product_id: int | None = None) -> list[StockReceipt]:
    """The last deliveries recorded, newest first, with their product and who received them."""
    query = (
        select(StockReceipt)
        .options(joinedload(StockReceipt.product), joinedload(StockReceipt.received_by))
        .order_by(StockReceipt.id.desc())
        .limit(limit)
    )
    if product_id is not None:
        query = query.where(StockReceipt.product_id == product_id)
    return list(db.session.scalars(query))


def overdue_count() -> int:
    query = select(func.count()).where(
        InboundShipment.status == ShipmentStatus.SCHEDULED, InboundShipment.expected_on < today()
    )
    return db.session.scalar(query) or 0
