"""What staff read to restock: demand waiting per product, the supply coming in, receipts."""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
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


@dataclass(frozen=True)
class RestockRow:
    product: Product
    waiting_units: int
    waiting_lines: int
    oldest_waiting_since: datetime | None
    scheduled_units: int
    subscribers: int = 0  # shoppers asking to be told when it can be ordered: demand too

    @property
    def uncovered_units(self) -> int:
        return max(0, self.waiting_units - self.scheduled_units)


def restock_rows() -> list[RestockRow]:
    """Every product, most-waited-for first: four queries whatever the catalog's size."""
    waiting = dict(
        (row.product_id, row)
        for row in db.session.execute(
            select(
                OrderLine.product_id,
                func.count().label("lines"),
                func.min(OrderLine.placed_at).label("oldest"),
            )
            .where(OrderLine.waiting > 0)
            .group_by(OrderLine.product_id)
        )
    )
    scheduled = dict(
        db.session.execute(
            select(InboundShipment.product_id, func.sum(InboundShipment.quantity))
            .where(InboundShipment.status == ShipmentStatus.SCHEDULED)
            .group_by(InboundShipment.product_id)
        ).all()
    )
    subscribers = dict(
        db.session.execute(
            select(StockAlert.product_id, func.count()).group_by(StockAlert.product_id)
        ).all()
    )
    products = db.session.scalars(select(Product).order_by(Product.name))
    rows = []
    for product in products:
        queue = waiting.get(product.id)
        oldest = queue.oldest if queue else None
        if oldest is not None and oldest.tzinfo is None:  # aggregates skip the column type
            oldest = oldest.replace(tzinfo=UTC)
        rows.append(
            RestockRow(
                product,
                product.waiting_units,
                queue.lines if queue else 0,
                oldest,
                scheduled.get(product.id, 0),
                subscribers.get(product.id, 0),
            )
        )
    rows.sort(key=lambda row: (-row.uncovered_units, -row.waiting_units, row.product.name))
    return rows


def incoming_shipments() -> list[InboundShipment]:
    """Shipments still expected, soonest first, with their products."""
    return list(
        db.session.scalars(
            select(InboundShipment)
            .options(joinedload(InboundShipment.product))
            .where(InboundShipment.status == ShipmentStatus.SCHEDULED)
            .order_by(InboundShipment.expected_on, InboundShipment.id)
        )
    )


def recent_receipts(limit: int = 10) -> list[StockReceipt]:
    return list(
        db.session.scalars(
            select(StockReceipt)
            .options(joinedload(StockReceipt.product))
            .order_by(StockReceipt.id.desc())
            .limit(limit)
        )
    )
