"""Products, their substitutes and the shipments expected for them."""

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


class ShipmentStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    RECEIVED = "received"
    CANCELLED = "cancelled"


class Product(db.Model):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("price_cents >= 0", name="price_not_negative"),
        CheckConstraint("waiting_units >= 0", name="waiting_not_negative"),
        CheckConstraint("backorder_discount_pct BETWEEN 0 AND 100", name="discount_is_percentage"),
        # The catalog's version is read from this index alone (queries/catalog.py).
        Index("ix_products_catalog_version", "id", "version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    slug: Mapped[str] = mapped_column(String(160), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(80), default="", index=True)
    price_cents: Mapped[int]
    on_hand: Mapped[int] = mapped_column(default=0)
    allow_backorders: Mapped[bool] = mapped_column(default=True)
    backorder_limit: Mapped[int | None]
    backorder_discount_pct: Mapped[int] = mapped_column(default=0)
    backorder_free_shipping: Mapped[bool] = mapped_column(default=False)
    low_stock_threshold: Mapped[int] = mapped_column(default=5)
    # Who delivers it: new shipments record it, and its lateness can pad the promise dates.
    supplier: Mapped[str] = mapped_column(String(80), default="", server_default="")
    # Kept current by every stock-changing service so the catalog reads them in one query.
    waiting_units: Mapped[int] = mapped_column(default=0)
    next_promise_on: Mapped[date | None] = mapped_column(Date)
    # Raised by the database on every change to the row, its shipments or its substitutes
    # (migration 0010); the catalog's version sums it. The shop never writes it.
    version: Mapped[int] = mapped_column(BigInteger, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    substitute_links: Mapped[list["Substitute"]] = relationship(
        foreign_keys="Substitute.product_id",
        order_by="Substitute.rank",
        cascade="all, delete-orphan",
        back_populates="product",
    )
    shipments: Mapped[list["InboundShipment"]] = relationship(back_populates="product")

    @property
    def substitutes(self) -> list["Product"]:
        return [link.substitute for link in self.substitute_links]

    def __repr__(self) -> str:
        return f"<Product {self.sku} on_hand={self.on_hand} waiting={self.waiting_units}>"


class Substitute(db.Model):
    """An in-stock alternative the shop may offer for a product, ranked (1 = best)."""

    __tablename__ = "substitutes"
    __table_args__ = (CheckConstraint("product_id <> substitute_id", name="not_itself"),)

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    substitute_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    rank: Mapped[int] = mapped_column(default=1)

    product: Mapped[Product] = relationship(
        foreign_keys=[product_id], back_populates="substitute_links"
    )
    substitute: Mapped[Product] = relationship(foreign_keys=[substitute_id], lazy="joined")


class InboundShipment(db.Model):
    """Units of one product expected on a date (a purchase order line)."""

    __tablename__ = "inbound_shipments"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_inbound_shipments_schedule", "product_id", "status", "expected_on"),
        # A supplier's latest deliveries, for its lateness.
        Index("ix_inbound_shipments_supplier_received", "supplier", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    quantity: Mapped[int]
    expected_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(120), default="")
    supplier: Mapped[str] = mapped_column(String(80), default="", server_default="")
    status: Mapped[ShipmentStatus] = mapped_column(
        Enum(
            ShipmentStatus,
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=ShipmentStatus.SCHEDULED,
    )
    received_quantity: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    product: Mapped[Product] = relationship(back_populates="shipments")


class StockReceipt(db.Model):
    """A delivery recorded by staff: what came in, and a one-time key so a double submit
    of the same form records it once."""

    __tablename__ = "stock_receipts"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    shipment_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_shipments.id", ondelete="SET NULL")
    )
    quantity: Mapped[int]
    orders_filled: Mapped[int] = mapped_column(default=0)
    to_on_hand: Mapped[int] = mapped_column(default=0)
    receipt_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    received_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship()
    received_by: Mapped["StaffUser | None"] = relationship()  # noqa: F821 (models/staff.py)
