"""The shop's tables, as typed SQLAlchemy models grouped by area."""

from .catalog import InboundShipment, Product, ShipmentStatus, StockReceipt, Substitute
from .fulfilment import Parcel, ParcelItem
from .notify import MessageStatus, OutboxMessage, StockAlert
from .orders import EventKind, Order, OrderEvent, OrderLine
from .staff import StaffUser

__all__ = [
    "EventKind",
    "InboundShipment",
    "MessageStatus",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OutboxMessage",
    "Parcel",
    "ParcelItem",
    "Product",
    "ShipmentStatus",
    "StaffUser",
    "StockAlert",
    "StockReceipt",
    "Substitute",
]
