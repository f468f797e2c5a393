"""Choices for waiting units: saved as they are made, followed by the totals, and an order is
never placed at a total the shopper was not shown."""

import re

import pytest
from sqlalchemy import func, select

from storefront.extensions import db
from storefront.models import Order
from storefront.services.orders import Item, StockChanged, place_order
from storefront.services.shipments import schedule_shipment
from tests.conftest import days
from tests.web.test_cart import add, checkout_form


def orders_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Order))


@pytest.fixture
def barrow(make_product):
    """Out of stock with free shipping for waiting; Pruning Shears are in stock instead."""
    shears = make_product(name="Pruning Shears", slug="shears", on_hand=60, price_cents=2800)
    product = make_product(
        name="Steel Wheelbarrow",
        slug="barrow",
        on_hand=0,
        price_cents=14900,
        backorder_free_shipping=True,
        substitutes=[shears],
    )
    schedule_shipment(product.id, 3, days(12))
    return product, shears


def summary(html: str) -> str:
    found = re.search(r'<dl class="totals">(.*?)</dl>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_an_order_is_not_placed_at_a_total_the_shopper_was_not_shown(client, barrow):
    product, shears = barrow
    add(client, product, 1)
    form = checkout_form(client)  # shows $149.00, free shipping: the wheelbarrow waits
    assert "Total $149.00" in summary(client.get("/checkout").get_data(as_text=True))
    response = client.post("/checkout", data={**form, f"choice-{product.id}": f"sub:{shears.id}"})
    assert response.status_code == 409
    assert orders_count() == 0
    html = response.get_data(as_text=True)
    assert "Nothing was ordered" in html
    assert "Total $32.95" in summary(html)  # the shears at $28.00 with $4.95 shipping
    assert f'value="sub:{shears.id}" checked' in html
    # The page now shows $32.95 and carries it: placing again is what the shopper saw.
    snapshot = re.search(r'name="snapshot" type="hidden" value="([^"]*)"', html).group(1)
    key = re.search(r'name="checkout_key" type="hidden" value="([^"]*)"', html).group(1)
    placed = client.post(
        "/checkout",
        data={
            **form,
            "snapshot": snapshot,
            "checkout_key": key,
            f"choice-{product.id}": f"sub:{shears.id}",
        },
    )
    assert placed.status_code == 303
    order = db.session.scalar(select(Order))
    assert (order.total_cents, order.shipping_cents) == (3295, 495)


def test_place_order_refuses_a_stale_shown_total_under_the_lock(app, barrow):
    product, shears = barrow
    item = Item(product.id, 1, substitute_id=shears.id)
    with pytest.raises(StockChanged) as refused:
        place_order(_contact(), [item], shown_total_cents=14900)
    assert "total" in str(refused.value)
    assert orders_count() == 0
    order = place_order(_contact(), [item], shown_total_cents=3295)
    assert order.total_cents == 3295


def _contact():
    from storefront.services.orders import Contact

    return Contact("ada@example.com", "Ada", "1 Main St", "Town", "12345", "US")


def test_checkout_choices_update_the_summary_in_place(client, barrow):
    product, shears = barrow
    add(client, product, 1)
    page = client.get("/checkout").get_data(as_text=True)
    radio = re.search(rf'<input[^>]*value="sub:{shears.id}"[^>]*>', page).group(0)
    assert 'hx-post="/checkout"' in radio and 'hx-trigger="change"' in radio
    assert 'hx-target="#checkout-summary"' in radio
    assert re.search(r'<button[^>]*name="refresh"[^>]*>Update summary</button>', page)

    form = checkout_form(client)
    fragment = client.post(
        "/checkout",
        data={**form, "refresh": "1", f"choice-{product.id}": f"sub:{shears.id}"},
        headers={"HX-Request": "true"},
    )
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200
    assert html.lstrip().startswith('<section id="checkout-summary"')
    assert "Total $32.95" in summary(html)
    # The line says what now happens to it, swapped out of band.
    assert re.search(rf'id="line-state-{product.id}"[^>]*hx-swap-oob="true"', html)
    assert "1</strong> × Pruning Shears instead" in html
    # The fragment's snapshot carries the new total: placing with it succeeds.
    snapshot = re.search(r'name="snapshot" type="hidden" value="([^"]*)"', html).group(1)
    placed = client.post(
        "/checkout",
        data={**form, "snapshot": snapshot, f"choice-{product.id}": f"sub:{shears.id}"},
    )
    assert placed.status_code == 303
    assert db.session.scalar(select(Order)).total_cents == 3295


def test_a_choice_made_in_the_cart_is_saved_as_it_is_made(client, barrow):
    product, shears = barrow
    add(client, product, 1)
    cart = client.get("/cart").get_data(as_text=True)
    radio = re.search(rf'<input[^>]*value="sub:{shears.id}"[^>]*>', cart).group(0)
    assert 'hx-post="/cart/update"' in radio and 'hx-trigger="change"' in radio
    # What the radio sends when it changes (its form's fields), then straight to checkout.
    client.post(
        "/cart/update",
        data={"product_id": product.id, "quantity": 1, "choice": f"sub:{shears.id}"},
        headers={"HX-Request": "true"},
    )
    page = client.get("/checkout").get_data(as_text=True)
    assert re.search(rf'value="sub:{shears.id}"[^>]*checked', page)
    assert "Total $32.95" in summary(page)
    client.post(
        "/checkout", data={**checkout_form(client), f"choice-{product.id}": f"sub:{shears.id}"}
    )
    assert db.session.scalar(select(Order)).total_cents == 3295


def test_radio_ids_are_unique_across_cart_lines(client, barrow, make_product):
    product, _ = barrow
    other = make_product(name="Tent", slug="tent", on_hand=0, price_cents=5000)
    add(client, product, 1)
    add(client, other, 1)
    html = client.get("/cart").get_data(as_text=True)
    ids = re.findall(r'<input type="radio" id="([^"]+)"', html)
    assert len(ids) == 3 and len(set(ids)) == 3  # wait or shears; wait


def test_the_header_count_follows_an_in_place_update(client, barrow):
    product, _ = barrow
    add(client, product, 2)
    page = client.get("/cart").get_data(as_text=True)
    assert page.count('id="cart-count"') == 1  # the header's, once
    response = client.post(
        "/cart/update",
        data={"product_id": product.id, "quantity": 7},
        headers={"HX-Request": "true"},
    )
    html = response.get_data(as_text=True)
    count = re.search(r'<span id="cart-count"[^>]*hx-swap-oob="true"[^>]*>(.*?)</span>', html, re.S)
    assert count and "(7 items)" in count.group(1)
    emptied = client.post(
        "/cart/update",
        data={"product_id": product.id, "quantity": 0},
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    empty = re.search(
        r'<span id="cart-count"[^>]*hx-swap-oob="true"[^>]*>(.*?)</span>', emptied, re.S
    )
    assert empty and empty.group(1).strip() == ""


def test_a_failed_checkout_lists_each_problem_linked_to_its_field(client, barrow):
    product, _ = barrow
    add(client, product, 1)
    form = {**checkout_form(client), "name": "", "email": "not-an-email", "city": ""}
    response = client.post("/checkout", data=form)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    box = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', html, re.S)
    assert box, html
    assert 'tabindex="-1"' in box.group(0) and 'id="error-summary"' in box.group(0)
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', box.group(1))
    assert links == [
        ("name", "Enter your name."),
        ("email", "Enter an email address like name@example.com."),
        ("city", "Enter the city."),
    ]
    assert html.index('class="error-summary"') < html.index("<form")
    assert re.search(
        r'<script src="/static/js/error-summary\.[0-9a-f]{12}\.js" defer></script>', html
    )


@pytest.mark.parametrize(
    "field, token",
    [
        ("name", "name"),
        ("email", "email"),
        ("address_line1", "address-line1"),
        ("address_line2", "address-line2"),
        ("city", "address-level2"),
        ("postcode", "postal-code"),
        ("country", "country"),
    ],
)
def test_checkout_fields_say_what_browsers_may_fill_in(client, barrow, field, token):
    add(client, barrow[0], 1)
    html = client.get("/checkout").get_data(as_text=True)
    control = re.search(rf'<(?:input|select)[^>]*id="{field}"[^>]*>', html).group(0)
    assert f'autocomplete="{token}"' in control
