"""Suppliers' lateness, and the buffer days it adds to promise dates when the shop pads them."""

from collections.abc import Iterable

from flask import current_app

from ..engine.lateness import RECENT_RECEIPTS, SupplierLateness
from ..models import Product
from ..queries.suppliers import products_per_supplier, recent_deliveries


def pads_promises() -> bool:
    return current_app.config["PROMISE_BUFFER"] == "learned"


def supplier_lateness(suppliers: Iterable[str] | None = None) -> dict[str, SupplierLateness]:
    """Each supplier's latest deliveries, in days late (received date against expected)."""
    return {
        supplier: SupplierLateness(
            supplier,
            tuple((received_at.date() - expected_on).days for expected_on, received_at in rows),
        )
        for supplier, rows in recent_deliveries(RECENT_RECEIPTS, suppliers).items()
    }


def promise_buffers(products: Iterable[Product]) -> dict[int, int]:
    """Buffer days per product id: its supplier's learned lateness, or nothing (no query)
    when the shop promises plain queue dates."""
    if not pads_promises():
        return {}
    products = [product for product in products if product.supplier]
    lateness = supplier_lateness({product.supplier for product in products})
    return {
        product.id: lateness[product.supplier].buffer_days
        for product in products
        if product.supplier in lateness
    }


def supplier_report() -> list[tuple[SupplierLateness, int]]:
    """Every supplier with its products' count, for staff (suppliers without deliveries too)."""
    lateness = supplier_lateness()
    return [
        (lateness.get(supplier, SupplierLateness(supplier, ())), count)
        for supplier, count in products_per_supplier().items()
    ]
