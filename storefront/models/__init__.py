"""The shop's tables, as typed SQLAlchemy models grouped by area."""

from .catalog import InboundShipment, Product, ShipmentStatus, StockReceipt, Substitute
from .fulfilment import Parcel, ParcelItem
from .orders import EventKind, Order, OrderEvent, OrderLine
from .staff import StaffUser

__all__ = [
    "EventKind",
    "InboundShipment",
    "Order",
    "OrderEvent",
    "OrderLine",
    "Parcel",
    "ParcelItem",
    "Product",
    "ShipmentStatus",
    "StaffUser",
    "StockReceipt",
    "Substitute",
]
