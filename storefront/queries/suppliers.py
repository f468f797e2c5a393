"""Suppliers' latest deliveries and the products they supply, for lateness and the staff page."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import func, select

from ..extensions import db
from ..models import InboundShipment, Product, ShipmentStatus


def recent_deliveries(
    limit: int, suppliers: Iterable[str] | None = None
) -> dict[str, list[tuple[date, datetime]]]:
    """Each supplier's latest `limit` received shipments: (expected on, received at), newest
    first, in one query. Only named suppliers (all of them when `suppliers` is None)."""
    newest_first = (
        func.row_number()
        .over(
            partition_by=InboundShipment.supplier,
            order_by=(InboundShipment.received_at.desc(), InboundShipment.id.desc()),
        )
        .label("recency")
    )
    received = select(
        InboundShipment.supplier,
        InboundShipment.expected_on,
        InboundShipment.received_at,
        newest_first,
    ).where(
        InboundShipment.status == ShipmentStatus.RECEIVED,
        InboundShipment.received_at.is_not(None),
        InboundShipment.supplier != "",
    )
    if suppliers is not None:
        received = received.where(InboundShipment.supplier.in_(list(suppliers)))
    latest = received.subquery()
    rows = db.session.execute(
        select(latest.c.supplier, latest.c.expected_on, latest.c.received_at)
        .where(latest.c.recency <= limit)
        .order_by(latest.c.supplier, latest.c.recency)
    )
    found: dict[str, list[tuple[date, datetime]]] = defaultdict(list)
    for row in rows:
        found[row.supplier].append((row.expected_on, row.received_at))
    return found


def products_per_supplier() -> dict[str, int]:
    """How many products each named supplier delivers."""
    rows = db.session.execute(
        select(Product.supplier, func.count())
        .where(Product.supplier != "")
        .group_by(Product.supplier)
        .order_by(Product.supplier)
    )
    return dict(rows.all())
