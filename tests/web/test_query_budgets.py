"""Each page answers in a fixed number of SQL statements, whether the shop holds 24 products
or 5,000: the count may not grow with the catalog, and may not pass its budget."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from storefront.demo import DEMO_STAFF_PASSWORD, seed_demo
from storefront.extensions import db
from storefront.models import InboundShipment, Order, OrderLine, Product
from tests.conftest import counted_queries, days
from tests.web.routes import status_url, waiting_order_token
from tests.web.test_staff import sign_in

# Statements per page (transaction control not counted), as the pages run today; lower one
# when a page gets cheaper. Pages kept by their version (storefront/page_cache.py) count a
# rendering here: their key's statements (the catalog's version; a tracking page's order
# version too), then the page's own. A kept page costs its key's statements alone (below).
BUDGETS = {
    "catalog": 4,
    "product": 4,
    "cart": 4,
    "checkout": 3,
    "tracking": 8,
    "status unchanged": 1,
    "status changed": 7,
    "restock": 4,
    "orders": 2,
}
MORE_PRODUCTS = 5_000 - 24


@pytest.fixture
def shop(app, client):
    seed_demo()
    products = dict(db.session.execute(select(Product.sku, Product.id)).all())
    assert len(products) == 24
    for sku in ("KIT-KETTLE", "GAR-SHEARS"):
        assert client.post("/cart/add", data={"product_id": products[sku], "quantity": 1})
    token = waiting_order_token()
    slug = db.session.scalar(select(Product.slug).where(Product.sku == "KIT-GRINDER"))
    assert sign_in(client, DEMO_STAFF_PASSWORD).status_code == 302
    return token, slug


def add_products(count: int) -> None:
    """`count` more products, a third out of stock with a shipment and customers waiting."""
    db.session.execute(
        insert(Product),
        [
            {
                "sku": f"BULK-{n:05d}",
                "slug": f"bulk-{n:05d}",
                "name": f"Bulk Product {n}",
                "category": ("Kitchen", "Garden", "Workshop", "Outdoors")[n % 4],
                "price_cents": 100 + n,
                "on_hand": 0 if n % 3 == 0 else 10,
                "waiting_units": 1 if n % 3 == 0 else 0,
                "next_promise_on": days(12) if n % 3 == 0 else None,
            }
            for n in range(count)
        ],
    )
    empty = dict(
        db.session.execute(
            select(Product.sku, Product.id).where(Product.sku.like("BULK-%"), Product.on_hand == 0)
        ).all()
    )
    db.session.execute(
        insert(InboundShipment),
        [{"product_id": pid, "quantity": 5, "expected_on": days(10)} for pid in empty.values()],
    )
    start = datetime.now(UTC) - timedelta(days=3)
    first = (db.session.scalar(select(db.func.max(Order.id))) or 0) + 1
    db.session.execute(
        insert(Order),
        [
            {
                "id": first + n,
                "token": f"bulk{n:028d}",
                "email": "bulk@example.com",
                "name": "Bulk Buyer",
                "address_line1": "1 Road",
                "city": "Town",
                "postcode": "1",
                "country": "US",
                "created_at": start + timedelta(seconds=n),
            }
            for n in range(len(empty))
        ],
    )
    db.session.execute(
        insert(OrderLine),
        [
            {
                "order_id": first + n,
                "product_id": pid,
                "quantity": 1,
                "unit_price_cents": 100,
                "waiting": 1,
                "backordered_units": 1,
                "promised_on": days(12),
                "placed_at": start + timedelta(seconds=n),
            }
            for n, pid in enumerate(empty.values())
        ],
    )
    db.session.commit()


def statements_per_page(app, client, token: str, slug: str) -> dict[str, int]:
    html = client.get(f"/orders/{token}").get_data(as_text=True)
    status = status_url(html)
    pages = {
        "catalog": ("/", 200),
        "product": (f"/products/{slug}", 200),
        "cart": ("/cart", 200),
        "checkout": ("/checkout", 200),
        "tracking": (f"/orders/{token}", 200),
        "status unchanged": (status, 204),
        "status changed": (re.sub(r"v=\d+", "v=0", status), 200),
        "restock": ("/staff/restock", 200),
        "orders": ("/staff/orders", 200),
    }
    counts = {}
    for page, (url, expected) in pages.items():
        app.extensions["page_cache"].pages.clear()  # count a rendering, not a kept page
        with counted_queries() as statements:
            assert client.get(url).status_code == expected, url
        counts[page] = len(statements)
    return counts


def test_every_page_runs_a_fixed_number_of_statements(app, client, shop):
    token, slug = shop
    small = statements_per_page(app, client, token, slug)
    add_products(MORE_PRODUCTS)
    assert db.session.scalar(select(db.func.count(Product.id))) == 5_000
    large = statements_per_page(app, client, token, slug)
    assert large == small, f"a page's statement count grew with the catalog: {small} → {large}"
    over = {page: count for page, count in large.items() if count > BUDGETS[page]}
    assert not over, f"over budget: {over}; all pages: {large}"


def test_a_kept_page_costs_only_its_keys_statements(app, client, shop):
    token, slug = shop
    add_products(MORE_PRODUCTS)
    kept = {"/": 1, f"/products/{slug}": 1, "/cart": 1, f"/orders/{token}": 2}
    for url, key_statements in kept.items():
        assert client.get(url).status_code == 200  # rendered and kept
        with counted_queries() as statements:
            assert client.get(url).status_code == 200
        assert len(statements) == key_statements, (url, statements)
