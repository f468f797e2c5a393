"""Parcels: what left the warehouse for an order, when, who sent it and how to follow it."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .orders import Order, OrderLine
from .types import UTCDateTime, utcnow


class Parcel(db.Model):
    """One shipment to a customer; an order shipped in parts has several."""

    __tablename__ = "parcels"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    carrier: Mapped[str] = mapped_column(String(80), default="")
    tracking_number: Mapped[str] = mapped_column(String(120), default="")
    # One per showing of the ship form: the same form sent twice records one parcel.
    parcel_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    shipped_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    shipped_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[Order] = relationship(back_populates="parcels")
    items: Mapped[list["ParcelItem"]] = relationship(
        back_populates="parcel", lazy="selectin", order_by="ParcelItem.line_id"
    )

    @property
    def units(self) -> int:
        return sum(item.units for item in self.items)


class ParcelItem(db.Model):
    """Units of one order line that went in a parcel."""

    __tablename__ = "parcel_items"
    __table_args__ = (CheckConstraint("units > 0", name="units_positive"),)

    parcel_id: Mapped[int] = mapped_column(
        ForeignKey("parcels.id", ondelete="CASCADE"), primary_key=True
    )
    line_id: Mapped[int] = mapped_column(
        ForeignKey("order_lines.id", ondelete="CASCADE"), primary_key=True
    )
    units: Mapped[int]

    parcel: Mapped[Parcel] = relationship(back_populates="items")
    line: Mapped[OrderLine] = relationship()
