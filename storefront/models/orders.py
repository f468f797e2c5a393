"""Orders, their lines (the units' states) and the timeline of what happened to them."""

import enum
import secrets
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
from .catalog import Product
from .types import UTCDateTime, utcnow

# Order numbers people read start here, so the first order is not "#1".
ORDER_NUMBER_OFFSET = 1000


def new_tracking_token() -> str:
    return secrets.token_urlsafe(16)  # 128 random bits


class EventKind(enum.StrEnum):
    PLACED = "placed"
    BACKORDERED = "backordered"
    DATE_CHANGED = "date_changed"
    ALLOCATED = "allocated"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"
    SUBSTITUTED = "substituted"


class Order(db.Model):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True, default=new_tracking_token)
    checkout_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address_line1: Mapped[str] = mapped_column(String(200))
    address_line2: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100))
    postcode: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    # An order of many expensive lines outgrows a 32-bit integer of cents.
    subtotal_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    discount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    shipping_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    total_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    # Bumped whenever anything a customer sees on the order changes (the tracking poll's key).
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list["OrderLine"]] = relationship(
        back_populates="order", order_by="OrderLine.id", cascade="all, delete-orphan"
    )
    events: Mapped[list["OrderEvent"]] = relationship(
        back_populates="order", order_by="OrderEvent.id.desc()", cascade="all, delete-orphan"
    )
    parcels: Mapped[list["Parcel"]] = relationship(  # noqa: F821  (models/fulfilment.py)
        back_populates="order", order_by="Parcel.id", cascade="all, delete-orphan"
    )

    @property
    def number(self) -> int:
        return self.number_for_id(self.id)

    @staticmethod
    def number_for_id(order_id: int) -> int:
        return order_id + ORDER_NUMBER_OFFSET

    @staticmethod
    def id_for_number(number: int) -> int:
        return number - ORDER_NUMBER_OFFSET

    @property
    def is_final(self) -> bool:
        return all(line.is_final for line in self.lines)


class OrderLine(db.Model):
    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint(
            "allocated >= 0 AND waiting >= 0 AND shipped >= 0 AND cancelled >= 0",
            name="units_not_negative",
        ),
        CheckConstraint(
            "allocated + waiting + shipped + cancelled = quantity", name="units_add_up"
        ),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        # The product's queue: waiting lines in the order they were placed.
        Index(
            "ix_order_lines_queue",
            "product_id",
            "placed_at",
            "id",
            postgresql_where=text("waiting > 0"),
            sqlite_where=text("waiting > 0"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int]
    # Locked at placement: later price or incentive changes never touch a placed order.
    unit_price_cents: Mapped[int]
    backorder_discount_pct: Mapped[int] = mapped_column(default=0)
    backorder_free_shipping: Mapped[bool] = mapped_column(default=False)
    backordered_units: Mapped[int] = mapped_column(default=0)
    allocated: Mapped[int] = mapped_column(default=0)
    waiting: Mapped[int] = mapped_column(default=0)
    shipped: Mapped[int] = mapped_column(default=0)
    cancelled: Mapped[int] = mapped_column(default=0)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    promised_on: Mapped[date | None] = mapped_column(Date)
    substitute_for_line_id: Mapped[int | None] = mapped_column(ForeignKey("order_lines.id"))
    # The product whose waiting units this line replaced (at checkout or later).
    substitute_for_product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship(lazy="joined", foreign_keys=[product_id])
    substitute_for: Mapped[Product | None] = relationship(foreign_keys=[substitute_for_product_id])

    @property
    def is_final(self) -> bool:
        return self.allocated == 0 and self.waiting == 0


class OrderEvent(db.Model):
    """One entry of an order's timeline, written in the same transaction as the change."""

    __tablename__ = "order_events"
    __table_args__ = (Index("ix_order_events_timeline", "order_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    line_id: Mapped[int | None] = mapped_column(ForeignKey("order_lines.id", ondelete="SET NULL"))
    kind: Mapped[EventKind] = mapped_column(
        Enum(
            EventKind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
        )
    )
    message: Mapped[str] = mapped_column(Text)
    promised_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[Order] = relationship(back_populates="events")
