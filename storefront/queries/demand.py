"""The demand report: per product, what customers wait for, how much of it is covered, what to
reorder. One SELECT computes every figure, so a page, the chart and the CSV agree."""

from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import UTC, datetime

from sqlalchemy import Select, case, distinct, func, or_, select

from ..extensions import db
from ..models import InboundShipment, OrderLine, Product, ShipmentStatus, StockAlert

PAGE_SIZE = 50
CHART_SIZE = 10
# Rows fetched from the cursor at a time while a CSV streams out.
EXPORT_BATCH = 500


@dataclass(frozen=True)
class DemandRow:
    """One product's line of the report. Each field is a column of the CSV, in this order."""

    sku: str
    name: str
    on_hand: int
    waiting_units: int
    waiting_orders: int
    oldest_waiting_since: datetime | None
    covered_units: int  # waiting units a scheduled shipment will bring
    uncovered_units: int  # waiting units no scheduled shipment covers
    low_stock_threshold: int
    suggested_reorder: int  # uncovered + low-stock threshold - on hand, never below 0
    alert_subscribers: int  # shoppers asking to be told when it can be ordered: demand too

    @classmethod
    def from_row(cls, row) -> "DemandRow":
        values = row._asdict()
        oldest = values["oldest_waiting_since"]
        if oldest is not None and oldest.tzinfo is None:  # SQLite's aggregate drops the zone
            values["oldest_waiting_since"] = oldest.replace(tzinfo=UTC)
        return cls(**values)


DEMAND_COLUMNS = tuple(f.name for f in fields(DemandRow))


@dataclass(frozen=True)
class DemandPage:
    rows: list[DemandRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def demand_page(page: int, *, every_product: bool = False, per_page: int = PAGE_SIZE) -> DemandPage:
    """A page of the report, most uncovered first: two queries whatever the catalog's size."""
    query = _demand_query(every_product)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page_rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page))
    return DemandPage([DemandRow.from_row(row) for row in page_rows], total, page, per_page)


def most_waited_for(limit: int = CHART_SIZE) -> list[DemandRow]:
    """The products with the most waiting units, for the chart: one query."""
    query = _demand_query(every_product=False)
    query = query.where(_waiting_units() > 0).order_by(None)
    query = query.order_by(_waiting_units().desc(), Product.name, Product.id).limit(limit)
    return [DemandRow.from_row(row) for row in db.session.execute(query)]


def demand_export(*, every_product: bool = False) -> Iterator[DemandRow]:
    """Every row of the report, fetched in batches from a server-side cursor (one query)."""
    query = _demand_query(every_product).execution_options(yield_per=EXPORT_BATCH)
    for row in db.session.execute(query):
        yield DemandRow.from_row(row)


def _waiting():
    return (
        select(
            OrderLine.product_id,
            func.sum(OrderLine.waiting).label("units"),
            func.count(distinct(OrderLine.order_id)).label("orders"),
            func.min(OrderLine.placed_at).label("oldest"),
        )
        .where(OrderLine.waiting > 0)
        .group_by(OrderLine.product_id)
        .subquery("waiting")
    )


def _scheduled():
    return (
        select(InboundShipment.product_id, func.sum(InboundShipment.quantity).label("units"))
        .where(InboundShipment.status == ShipmentStatus.SCHEDULED)
        .group_by(InboundShipment.product_id)
        .subquery("scheduled")
    )


def _subscribers():
    return (
        select(StockAlert.product_id, func.count().label("subscribers"))
        .group_by(StockAlert.product_id)
        .subquery("subscribers")
    )


_WAITING = _waiting()
_SCHEDULED = _scheduled()
_SUBSCRIBERS = _subscribers()


def _waiting_units():
    return func.coalesce(_WAITING.c.units, 0)


def _demand_query(every_product: bool) -> Select:
    waiting_units = _waiting_units()
    scheduled_units = func.coalesce(_SCHEDULED.c.units, 0)
    covered = case((waiting_units < scheduled_units, waiting_units), else_=scheduled_units)
    uncovered = waiting_units - covered
    shortfall = uncovered + Product.low_stock_threshold - Product.on_hand
    reorder = case((shortfall > 0, shortfall), else_=0)
    subscribers = func.coalesce(_SUBSCRIBERS.c.subscribers, 0)
    query = (
        select(
            Product.sku,
            Product.name,
            Product.on_hand,
            waiting_units.label("waiting_units"),
            func.coalesce(_WAITING.c.orders, 0).label("waiting_orders"),
            _WAITING.c.oldest.label("oldest_waiting_since"),
            covered.label("covered_units"),
            uncovered.label("uncovered_units"),
            Product.low_stock_threshold,
            reorder.label("suggested_reorder"),
            subscribers.label("alert_subscribers"),
        )
        .outerjoin(_WAITING, _WAITING.c.product_id == Product.id)
        .outerjoin(_SCHEDULED, _SCHEDULED.c.product_id == Product.id)
        .outerjoin(_SUBSCRIBERS, _SUBSCRIBERS.c.product_id == Product.id)
        .order_by(uncovered.desc(), waiting_units.desc(), reorder.desc(), Product.name, Product.id)
    )
    if not every_product:
        # Nothing waits and stock is above its threshold: nothing to report or reorder.
        query = query.where(
            or_(
                waiting_units > 0,
                Product.on_hand < Product.low_stock_threshold,
                subscribers > 0,
            )
        )
    return query
