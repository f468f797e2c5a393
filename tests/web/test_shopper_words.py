"""What the pages say agrees with itself: incentives, switched units, badges, payment terms."""

import re

import pytest
from sqlalchemy import select

from storefront.demo import DESCRIPTION, seed_demo
from storefront.extensions import db
from storefront.models import Order, Product
from storefront.services.orders import Contact, Item, place_order, substitute_units
from storefront.services.shipments import schedule_shipment
from tests.conftest import days
from tests.web.test_cart import add, checkout_form
from tests.web.test_tracking import line_text

DEFAULT_TERMS = "Nothing is charged online"


def buyer() -> Contact:
    return Contact("ada@example.com", "Ada", "1 Main St", "Town", "12345", "US")


@pytest.fixture
def barrow(make_product):
    shears = make_product(name="Shears", slug="shears", on_hand=60, price_cents=2800)
    product = make_product(
        name="Barrow",
        slug="barrow",
        on_hand=0,
        price_cents=14900,
        backorder_free_shipping=True,
        substitutes=[shears],
    )
    schedule_shipment(product.id, 3, days(12))
    return product, shears


def test_confirmation_shows_free_shipping_for_waiting_like_the_tracking_page(client, barrow):
    order = place_order(buyer(), [Item(barrow[0].id, 1)])
    confirmation = client.get(f"/checkout/confirmation/{order.token}").get_data(as_text=True)
    tracking = client.get(f"/orders/{order.token}").get_data(as_text=True)
    assert "Free shipping for waiting" in tracking
    assert "Free shipping for waiting" in confirmation


def test_a_switched_unit_is_shown_as_switched_not_cancelled(client, barrow):
    product, shears = barrow
    order = place_order(buyer(), [Item(product.id, 2)])
    line_id = order.lines[0].id
    substitute_units(line_id, shears.id, 2, order_id=order.id)
    html = client.get(f"/orders/{order.token}").get_data(as_text=True)
    # Ordered 2, ready 0, waiting 0, shipped 0, cancelled 0: both switched to Shears.
    row = line_text(html, "Barrow")
    assert "2 switched to Shears" in row
    assert re.search(r"\b2 0 0 0 0 \$149\.00", row), row
    assert "cancelled" not in re.search(r'<p class="summary-line">(.*?)</p>', html, re.S).group(1)


def test_staff_see_switched_units_as_the_customer_does(client, staff_user, barrow):
    from tests.web.test_staff import sign_in

    product, shears = barrow
    order = place_order(buyer(), [Item(product.id, 2)])
    substitute_units(order.lines[0].id, shears.id, 2, order_id=order.id)
    assert sign_in(client).status_code == 302
    row = line_text(client.get(f"/staff/orders/{order.number}").get_data(as_text=True), "Barrow")
    assert "2 switched to Shears" in row
    assert re.search(r"\b2 0 0 0 0 \$149\.00", row), row


def test_a_catalog_badge_says_how_many_units_its_date_is_for(client, make_product):
    grinder = make_product(name="Grinder", slug="grinder", on_hand=0)
    schedule_shipment(grinder.id, 1, days(5))
    schedule_shipment(grinder.id, 5, days(20))
    html = client.get("/").get_data(as_text=True)
    badge = re.search(r'<p class="badge badge-backorder">(.*?)</p>', html, re.S).group(1)
    assert badge.startswith("Backorder — 1 ships by <time"), badge


def test_the_demo_text_promises_no_date_where_none_is_covered(app):
    assert "the date it will ship before you order" not in DESCRIPTION
    seed_demo()
    tent = db.session.scalar(select(Product).where(Product.sku == "OUT-TENT"))
    assert tent.next_promise_on is None
    assert "date" not in tent.description or "to be confirmed" in tent.description


def test_checkout_and_confirmation_state_the_payment_terms(client, barrow):
    product, _ = barrow
    add(client, product, 1)
    assert DEFAULT_TERMS in client.get("/checkout").get_data(as_text=True)
    client.post("/checkout", data=checkout_form(client))
    token = db.session.scalar(select(Order.token))
    html = client.get(f"/checkout/confirmation/{token}").get_data(as_text=True)
    assert DEFAULT_TERMS in html
    assert "waiting units are not charged until they ship" in html.replace("Waiting", "waiting")


def test_payment_terms_come_from_the_setting(app, client, barrow):
    app.config["PAYMENT_TERMS"] = "You pay by invoice after delivery."
    add(client, barrow[0], 1)
    html = client.get("/checkout").get_data(as_text=True)
    assert "You pay by invoice after delivery." in html and DEFAULT_TERMS not in html


def test_the_cancel_page_agrees_with_the_payment_terms(client, barrow):
    order = place_order(buyer(), [Item(barrow[0].id, 2)])
    line = order.lines[0]
    html = client.post(f"/orders/{order.token}/lines/{line.id}/cancel", data={"units": 1}).get_data(
        as_text=True
    )
    assert "Cancel 1 waiting × Barrow?" in html
    assert DEFAULT_TERMS in html
