"""Every route of the shop, walked from the URL map, with real values for its parts and forms.

Tests that must cover every page and every form build their requests here, so a route
added later is walked too without anyone remembering to list it.
"""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import Flask
from sqlalchemy import select
from werkzeug.routing import Rule

from storefront.demo import DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD, seed_demo
from storefront.extensions import db
from storefront.models import InboundShipment, Order, OrderLine, Product, Substitute


@dataclass
class Shop:
    """The demo shop's real values: what the routes' parts and forms are filled with."""

    parts: dict[str, str]
    product_id: int
    substitute_id: int
    shipment_id: int
    forms: dict[str, dict[str, str]] = field(default_factory=dict)


def demo_shop() -> Shop:
    seed_demo()
    line = db.session.scalars(
        select(OrderLine).where(OrderLine.waiting > 0).order_by(OrderLine.id)
    ).first()
    product = db.session.get(Product, line.product_id)
    substitute_id = db.session.scalar(
        select(Substitute.substitute_id).where(Substitute.product_id == product.id)
    )
    shipment_id = db.session.scalar(select(InboundShipment.id).order_by(InboundShipment.id))
    shop = Shop(
        parts={
            "token": line.order.token,
            "line_id": str(line.id),
            "slug": product.slug,
            "sku": product.sku,
        },
        product_id=product.id,
        substitute_id=substitute_id or product.id,
        shipment_id=shipment_id,
    )
    shop.forms = valid_forms(shop)
    db.session.commit()
    return shop


def valid_forms(shop: Shop) -> dict[str, dict[str, str]]:
    """A form each POST endpoint would accept (CSRF aside); others get a generic one."""
    product = str(shop.product_id)
    return {
        "cart.add": {"product_id": product, "quantity": "1"},
        "cart.update": {"product_id": product, "quantity": "2", "choice": "wait"},
        "cart.checkout": {
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "address_line1": "1 Analytical Row",
            "address_line2": "Flat 2",
            "city": "London",
            "postcode": "N1 9GU",
            "country": "GB",
            "checkout_key": "k" * 32,
            "snapshot": "not-a-signed-snapshot",
            f"choice-{product}": "wait",
        },
        "tracking.track": {"number": "1001", "email": "ada@example.com"},
        "tracking.cancel": {"units": "1"},
        "tracking.substitute": {"substitute_id": str(shop.substitute_id), "units": "1"},
        "staff.login": {"email": DEMO_STAFF_EMAIL, "password": DEMO_STAFF_PASSWORD},
        "staff.receive": {
            "receive-product_id": product,
            "receive-quantity": "1",
            "receive-shipment_id": "0",
            "receive-receipt_key": "r" * 32,
            "preview": "1",
        },
        "staff.schedule": {
            "schedule-product_id": product,
            "schedule-quantity": "3",
            "schedule-expected_on": (date.today() + timedelta(days=30)).isoformat(),
            "schedule-reference": "PO-77",
        },
    }


GENERIC_FORM = {"value": "1"}


def form_for(shop: Shop, endpoint: str) -> dict[str, str]:
    return dict(shop.forms.get(endpoint, GENERIC_FORM))


def shop_rules(app: Flask, method: str) -> list[Rule]:
    """The rules answering `method`, static files left out, in a stable order."""
    return sorted(
        (r for r in app.url_map.iter_rules() if method in r.methods and r.endpoint != "static"),
        key=lambda r: (r.rule, r.endpoint),
    )


def path_for(app: Flask, rule: Rule, shop: Shop, **override: str) -> str:
    """The rule's path with the shop's real values (an unknown part gets "1")."""
    values = {name: shop.parts.get(name, "1") for name in rule.arguments}
    values.update(override)
    adapter = app.url_map.bind("localhost")
    return adapter.build(rule.endpoint, values, method=next(iter(rule.methods - {"HEAD"})))


def string_parts(rule: Rule) -> list[str]:
    """The parts of a rule that take any text (not the int ones)."""
    return [
        name
        for name, converter in rule._converters.items()
        if type(converter).__name__ in ("UnicodeConverter", "PathConverter")
    ]


def sign_in_staff(client) -> None:
    response = client.post(
        "/staff/login", data={"email": DEMO_STAFF_EMAIL, "password": DEMO_STAFF_PASSWORD}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def fill_cart(client, shop: Shop) -> None:
    response = client.post("/cart/add", data={"product_id": shop.product_id, "quantity": 1})
    assert response.status_code == 302


def database_digest() -> str:
    """A fingerprint of every row in every table: equal before and after means nothing changed."""
    db.session.rollback()  # read what is committed now, not an earlier snapshot
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        digest.update(f"{table.name}:{rows!r}".encode())
    db.session.rollback()
    return digest.hexdigest()


# What a browser sends with a form posted from one of the shop's own pages.
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}
FORM_TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def add_to_cart(client, slug: str, quantity: int = 1):
    """Add to the cart as a browser does: the product page's form, with its token when the
    page has one, posted from the shop's own page."""
    html = client.get(f"/products/{slug}").get_data(as_text=True)
    data = {
        "product_id": re.search(r'name="product_id" value="(\d+)"', html).group(1),
        "quantity": quantity,
    }
    if token := FORM_TOKEN.search(html):
        data["csrf_token"] = token.group(1)
    return client.post("/cart/add", data=data, headers=SAME_ORIGIN)


def waiting_order_token() -> str:
    """The tracking token of an order with units still waiting (its page polls)."""
    waiting = select(OrderLine.order_id).where(OrderLine.waiting > 0)
    return db.session.scalar(select(Order.token).where(Order.id.in_(waiting)).limit(1))


def status_url(tracking_html: str) -> str:
    """The status poll's URL, as the tracking page's htmx attribute gives it."""
    url = re.search(r'hx-get="([^"]+/status\?v=\d+)"', tracking_html).group(1)
    return url.replace("&amp;", "&")
