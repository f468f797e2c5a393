"""Back-in-stock alerts: shoppers ask to hear when a sold-out product can be ordered again.

`products_available` is what every use case that makes a product orderable calls, in its
own transaction (receiving, importing, a change of backorder policy).
"""

import enum
from collections.abc import Iterable
from typing import cast

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session, joinedload

from ..database import among, is_sqlite, write_transaction
from ..engine.availability import availability_of
from ..models import Product, StockAlert
from ..notify.outbox import Email, public_url, queue_emails, render_email
from .inventory import lock_products

_SALT = "stock-alert-unsubscribe"


class Signup(enum.Enum):
    SUBSCRIBED = "subscribed"
    ALREADY = "already"
    AVAILABLE = "available"  # it can be ordered now: nothing to wait for


def subscribe(product_id: int, email: str) -> Signup:
    """Ask for one email when the product can be ordered again.

    Decided under the product's lock, so a delivery arriving meanwhile either finds this
    alert or comes first and the shopper is told to order now.
    """
    email = email.strip().lower()
    with write_transaction() as session:
        product = lock_products(session, [product_id])[product_id]
        if availability_of(product).can_order:
            return Signup.AVAILABLE
        found = select(StockAlert.id).where(
            StockAlert.product_id == product_id, StockAlert.email == email
        )
        if session.scalar(found) is not None:
            return Signup.ALREADY
        session.add(StockAlert(product_id=product_id, email=email))
        return Signup.SUBSCRIBED


def unsubscribe(email: str) -> int:
    """Forget every alert for this address; the number forgotten."""
    with write_transaction() as session:
        result = session.execute(delete(StockAlert).where(StockAlert.email == email))
        return cast(CursorResult, result).rowcount


def products_available(session: Session, product_ids: Iterable[int] | None = None) -> int:
    """Email, oldest first, everyone waiting for one of these products (None: any) that can
    now be ordered, and forget their alerts, so each is mailed once. Returns how many."""
    query = (
        select(StockAlert)
        .options(joinedload(StockAlert.product))
        .order_by(StockAlert.created_at, StockAlert.id)
        # Products may have been written in bulk behind the ORM's back: read them afresh.
        .execution_options(populate_existing=True)
    )
    if product_ids is not None:
        query = query.where(StockAlert.product_id.in_(list(product_ids)))
    if not is_sqlite(session.get_bind()):
        # A concurrent transaction waits here, then no longer finds the alerts taken.
        query = query.with_for_update(of=StockAlert)
    due = [alert for alert in session.scalars(query) if availability_of(alert.product).can_order]
    queue_emails(session, [_alert_email(alert) for alert in due])
    ids = [alert.id for alert in due]
    for condition in among(session, StockAlert.id, ids):
        session.execute(delete(StockAlert).where(condition))
    return len(ids)


def product_available(session: Session, product: Product) -> int:
    return products_available(session, [product.id])


def unsubscribe_token(email: str) -> str:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT).dumps(email)


def email_for_token(token: str) -> str | None:
    """The address an unsubscribe link was made for, or None if the link was not ours."""
    try:
        email = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT).loads(token)
    except BadSignature:
        return None
    return email if isinstance(email, str) else None


def _alert_email(alert: StockAlert) -> Email:
    product = alert.product
    unsubscribe_url = public_url(f"/alerts/unsubscribe/{unsubscribe_token(alert.email)}")
    text, html = render_email(
        "stock_alert",
        product=product,
        availability=availability_of(product),
        product_url=public_url(f"/products/{product.slug}"),
        unsubscribe_url=unsubscribe_url,
    )
    return Email(
        kind="stock_alert",
        recipient=alert.email,
        subject=f"{product.name} is available again",
        text_body=text,
        html_body=html,
        dedupe_key=f"stock-alert-{alert.id}",
        unsubscribe_url=unsubscribe_url,
    )
