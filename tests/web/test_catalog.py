"""The catalog and product pages, as a shopper's browser receives them."""

import re

import pytest

from storefront.demo import seed_demo
from storefront.extensions import db
from storefront.models import Product
from storefront.services.shipments import schedule_shipment
from tests.conftest import counted_queries, days


@pytest.fixture
def demo(app):
    seed_demo()


def names(html: str) -> list[str]:
    return re.findall(r'<h2 class="card-title">([^<]+)</h2>', html)


def test_catalog_shows_every_badge_state_in_words(client, demo):
    html = client.get("/").get_data(as_text=True)
    assert "In stock" in html
    assert "Only 3 left" in html  # French Press
    assert re.search(r'Backorder — 1 ships by <time datetime="\d{4}-\d{2}-\d{2}">', html)
    assert "Backorder — date to be confirmed" in html
    assert "Sold out" in html
    assert "10% off if you wait" in html


def test_backorder_card_shows_the_date_a_new_order_gets(client, make_product):
    product = make_product(name="Kettle", on_hand=0)
    schedule_shipment(product.id, 5, days(10))
    html = client.get("/").get_data(as_text=True)
    assert f'<time datetime="{days(12).isoformat()}">' in html


def test_category_filter_and_available_now(client, demo):
    kitchen = names(client.get("/?category=Kitchen").get_data(as_text=True))
    assert "Copper Kettle" in kitchen and "Cordless Drill" not in kitchen
    available = client.get("/?available=1").get_data(as_text=True)
    assert "Burr Coffee Grinder" not in names(available)
    assert "Sold out" not in available and "Backorder" not in available


def test_search_by_name_is_case_insensitive_and_literal(client, demo):
    assert names(client.get("/?q=KETTLE").get_data(as_text=True)) == ["Copper Kettle"]
    assert "No products match" in client.get("/?q=%25").get_data(as_text=True)


def test_pagination_24_a_page(client, make_product):
    for n in range(30):
        make_product(name=f"Item {n:02d}", on_hand=1)
    first = client.get("/").get_data(as_text=True)
    second = client.get("/?page=2").get_data(as_text=True)
    assert len(names(first)) == 24 and len(names(second)) == 6
    assert 'rel="next"' in first and "page 1 of 2" in first
    assert client.get("/?page=0").status_code == 404
    assert names(client.get("/?page=9").get_data(as_text=True)) == []


def count_queries(client, url: str) -> int:
    with counted_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_catalog_query_count_does_not_grow_with_products(app, client, make_product):
    for n in range(10):
        make_product(on_hand=n % 3, low_stock_threshold=1)
    small = count_queries(client, "/")
    for n in range(490):
        db.session.add(
            Product(
                sku=f"BULK-{n}",
                slug=f"bulk-{n}",
                name=f"Bulk {n}",
                price_cents=100,
                on_hand=n % 3,
                category=f"C{n % 4}",
            )
        )
    db.session.commit()
    assert count_queries(client, "/") == small
    assert count_queries(client, "/?page=5&category=C1") == small


def test_product_page_offers_in_stock_substitutes_when_out_of_stock(client, demo):
    html = client.get("/products/kit-grinder").get_data(as_text=True)
    assert "In stock now instead" in html
    assert "Pour-over Scale" in html
    assert "10% off if you wait." in html
    assert "In stock now instead" not in client.get("/products/kit-kettle").get_data(as_text=True)


def test_unknown_product_is_a_clear_404(client):
    response = client.get("/products/nope")
    assert response.status_code == 404
    assert "no such product" in response.get_data(as_text=True)


def test_prices_are_formatted_for_people(client, make_product):
    make_product(name="Lamp", price_cents=123456, on_hand=9)
    assert "$1,234.56" in client.get("/").get_data(as_text=True)


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_htmx_is_served_from_the_shop(client):
    html = client.get("/").get_data(as_text=True)
    src = re.search(r'src="(/static/vendor/htmx-2\.0\.11/htmx\.min\.[0-9a-f]{12}\.js)"', html)
    assert src, "the pinned htmx, under its content's hash"
    assert client.get(src.group(1)).status_code == 200


def test_quantity_check_splits_what_ships_now_from_what_waits(client, make_product):
    product = make_product(on_hand=2, slug="lamp")
    schedule_shipment(product.id, 5, days(4))
    html = client.get("/products/lamp?quantity=5").get_data(as_text=True)
    assert "2 ship now; 3 on backorder, ships by" in html
    assert f'<time datetime="{days(6).isoformat()}">' in html
    beyond = client.get("/products/lamp?quantity=9").get_data(as_text=True)
    assert "7 on backorder, date to be confirmed" in beyond


def test_quantity_check_explains_limits_and_bad_input(client, make_product):
    make_product(on_hand=1, slug="knife", allow_backorders=False)
    assert "Only 1 can be ordered" in client.get("/products/knife?quantity=3").get_data(
        as_text=True
    )
    for bad in ("0", "-2", "abc", "100000"):
        response = client.get(f"/products/knife?quantity={bad}")
        assert response.status_code == 400
        assert "Enter a whole number from 1 to 999" in response.get_data(as_text=True)
