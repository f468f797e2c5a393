"""Emails waiting to go out (the outbox) and shoppers waiting for a sold-out product."""

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .catalog import Product
from .orders import Order
from .types import UTCDateTime, utcnow


class MessageStatus(enum.StrEnum):
    PENDING = "pending"  # due at next_attempt_at
    SENDING = "sending"  # claimed by a worker until next_attempt_at (its lease)
    SENT = "sent"
    FAILED = "failed"  # gave up after MAIL_MAX_ATTEMPTS; staff may retry


class OutboxMessage(db.Model):
    """One email, written in the same transaction as the change it tells about."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # Rendered bodies, or the template and facts the sending worker renders them from.
        CheckConstraint(
            "(text_body IS NOT NULL AND html_body IS NOT NULL)"
            " OR (template IS NOT NULL AND facts IS NOT NULL)",
            name="bodies_or_facts",
        ),
        # What a worker asks for: due messages by status and time.
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str | None] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    # Instead of bodies: `templates/emails/<template>` and the JSON facts it is rendered from.
    template: Mapped[str | None] = mapped_column(String(60))
    facts: Mapped[dict | None] = mapped_column(JSON)
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    # The same message written twice (a repeated request) is stored once.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    status: Mapped[MessageStatus] = mapped_column(
        Enum(
            MessageStatus,
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=MessageStatus.PENDING,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def order_number(self) -> int | None:
        return None if self.order_id is None else Order.number_for_id(self.order_id)


class StockAlert(db.Model):
    """A shopper to email, once, when a sold-out product can be ordered again."""

    __tablename__ = "stock_alerts"
    __table_args__ = (UniqueConstraint("product_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship()
