""" "Send me my orders": the tracking links of every order for an address, to that address."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..database import write_transaction
from ..extensions import db
from ..models import Order, OutboxMessage
from ..models.types import utcnow
from ..notify.outbox import Email, public_url, queue_emails, render_email

# The newest orders listed in one email.
MAX_ORDERS = 50
# One email per address in this many minutes, however often the form is sent.
WINDOW_MINUTES = 10


def send_tracking_links(email: str) -> None:
    """Queue the email if the address has orders; say nothing either way (the page must
    not tell who has ordered)."""
    email = email.strip().lower()
    now = utcnow()
    window = now.replace(minute=now.minute - now.minute % WINDOW_MINUTES, second=0, microsecond=0)
    key = f"order-links-{window:%Y%m%d%H%M}-{email}"[:200]
    try:
        with write_transaction() as session:
            orders = session.execute(
                select(Order.id, Order.token, Order.created_at)
                .where(Order.email == email)
                .order_by(Order.id.desc())
                .limit(MAX_ORDERS)
            ).all()
            if not orders or _already_sent(session, key):
                return
            queue_emails(session, [_links_email(email, orders, key)])
    except IntegrityError:
        db.session.rollback()  # the same request twice at once: the other one wrote it


def _already_sent(session, key: str) -> bool:
    return (
        session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)) is not None
    )


def _links_email(email: str, orders, key: str) -> Email:
    listed = [
        (Order.number_for_id(row.id), row.created_at.date(), public_url(f"/orders/{row.token}"))
        for row in orders
    ]
    text, html = render_email("order_links", orders=listed)
    return Email(
        kind="order_links",
        recipient=email,
        subject="Your Storefront orders",
        text_body=text,
        html_body=html,
        dedupe_key=key,
    )
