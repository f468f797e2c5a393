"""Cart and checkout: what ships now and what waits, choices, and placing the order once."""

import re

import pytest
from sqlalchemy import func, select

from storefront.extensions import db
from storefront.models import Order, OrderLine, Product
from storefront.services.orders import Contact, Item, place_order
from storefront.services.shipping import ship_order
from tests.conftest import days

ADDRESS = {
    "name": "Ada Shopper",
    "email": "ada@example.com",
    "address_line1": "1 Main St",
    "address_line2": "",
    "city": "Springfield",
    "postcode": "12345",
    "country": "US",
}


def add(client, product, quantity, **extra):
    return client.post("/cart/add", data={"product_id": product.id, "quantity": quantity}, **extra)


def checkout_form(client) -> dict:
    html = client.get("/checkout").get_data(as_text=True)
    hidden = dict(re.findall(r'name="(checkout_key|snapshot)" type="hidden" value="([^"]*)"', html))
    assert set(hidden) == {"checkout_key", "snapshot"}, html
    return {**ADDRESS, **hidden}


def chosen_form(client, **choices) -> dict:
    """The checkout form after making `choices` and pressing "Update summary"."""
    form = {**checkout_form(client), **choices}
    html = client.post("/checkout", data={**form, "refresh": "1"}).get_data(as_text=True)
    hidden = dict(re.findall(r'name="(checkout_key|snapshot)" type="hidden" value="([^"]*)"', html))
    return {**form, **hidden}


def orders_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Order))


@pytest.fixture
def backordered(make_product):
    from storefront.services.shipments import schedule_shipment

    product = make_product(
        name="Grinder", slug="grinder", on_hand=1, price_cents=10000, backorder_discount_pct=10
    )
    schedule_shipment(product.id, 5, days(8))
    return product


def test_cart_line_says_what_ships_now_and_what_waits(client, backordered):
    assert add(client, backordered, 3).status_code == 302
    html = client.get("/cart").get_data(as_text=True)
    assert "<strong>1</strong> ship now" in html or "<strong>1</strong> ships now" in html
    assert "<strong>2</strong> on backorder" in html
    assert f'<time datetime="{days(10).isoformat()}">' in html
    assert "10% off the 2 backordered units" in html
    # 3 * $100 - 10% of 2 * $100 + $4.95 shipping
    assert "$284.95" in html


def test_adding_more_than_a_product_can_take_says_why_and_offers_the_most(client, make_product):
    knife = make_product(name="Knife", slug="knife", on_hand=2, allow_backorders=False)
    response = add(client, knife, 5)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Only 2 of Knife can be ordered: backorders are not taken for this product." in html
    assert 'value="2"' in html and "Add 2 instead" in html
    assert "cart" not in client.get("/cart").get_data(as_text=True).split("<main")[1][:0]
    assert "Your cart is empty" in client.get("/cart").get_data(as_text=True)


@pytest.mark.parametrize("quantity", ["0", "-3", "1000", "abc", ""])
def test_bad_quantities_get_a_message_and_change_nothing(client, make_product, quantity):
    product = make_product(name="Lamp", slug="lamp", on_hand=5)
    response = add(client, product, quantity)
    assert response.status_code == 400
    assert "Enter a whole number from 1 to 999." in response.get_data(as_text=True)
    assert "Your cart is empty" in client.get("/cart").get_data(as_text=True)


def test_unknown_product_cannot_be_added(client):
    response = client.post("/cart/add", data={"product_id": 999999, "quantity": 1})
    assert response.status_code == 404


def test_update_with_htmx_returns_the_cart_fragment(client, backordered):
    add(client, backordered, 1)
    response = client.post(
        "/cart/update",
        data={"product_id": backordered.id, "quantity": 4},
        headers={"HX-Request": "true"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="cart"')
    assert "<strong>3</strong> on backorder" in html
    bad = client.post(
        "/cart/update",
        data={"product_id": backordered.id, "quantity": "x"},
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 400 and 'id="quantity-' in bad.get_data(as_text=True)


def test_remove_a_line_without_javascript(client, backordered):
    add(client, backordered, 1)
    response = client.post(
        "/cart/update", data={"product_id": backordered.id, "quantity": 0}, follow_redirects=True
    )
    assert "Removed from your cart." in response.get_data(as_text=True)
    assert "Your cart is empty" in response.get_data(as_text=True)


def test_choosing_a_substitute_prices_it_at_the_lower_price(client, make_product):
    cheap = make_product(name="Cheap Scale", on_hand=9, price_cents=4000)
    product = make_product(
        name="Grinder", slug="grinder", on_hand=0, price_cents=9000, substitutes=[cheap]
    )
    add(client, product, 2)
    client.post(
        "/cart/update", data={"product_id": product.id, "quantity": 2, "choice": f"sub:{cheap.id}"}
    )
    html = client.get("/cart").get_data(as_text=True)
    assert "× Cheap Scale instead, ships now at $40.00 each" in html
    assert "$84.95" in html


def test_tampered_substitute_is_refused(client, make_product):
    stranger = make_product(on_hand=9)
    product = make_product(slug="grinder", on_hand=0)
    add(client, product, 1)
    response = client.post(
        "/cart/update",
        data={"product_id": product.id, "quantity": 1, "choice": f"sub:{stranger.id}"},
    )
    assert response.status_code == 400
    assert "That substitute is not available" in response.get_data(as_text=True)


def test_checkout_places_the_order_and_shows_the_confirmation(client, backordered):
    add(client, backordered, 3)
    response = client.post("/checkout", data=checkout_form(client))
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    order = db.session.scalar(select(Order))
    assert f"order {order.number} is placed" in html
    assert f'href="/orders/{order.token}"' in html
    assert "2 on backorder, ships by" in html and "1 ready to ship" in html
    assert order.total_cents == 28495
    assert "Your cart is empty" in client.get("/cart").get_data(as_text=True)


def test_the_same_checkout_posted_three_times_gives_one_order(client, backordered):
    add(client, backordered, 2)
    form = checkout_form(client)
    locations = {client.post("/checkout", data=form).headers["Location"] for _ in range(3)}
    assert len(locations) == 1
    assert orders_count() == 1
    assert db.session.get(Product, backordered.id).waiting_units == 1


def test_a_purchase_between_cart_and_checkout_is_detected(client, backordered):
    add(client, backordered, 2)
    form = checkout_form(client)
    # Someone else buys the last unit on hand.
    place_order(
        Contact("other@example.com", "O", "2 St", "T", "1", "US"), [Item(backordered.id, 1)]
    )
    response = client.post("/checkout", data=form)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Something changed since you looked" in html and "Changed" in html
    assert orders_count() == 1
    # The page shows the new state with a fresh snapshot: confirming places the order.
    again = dict(re.findall(r'name="(checkout_key|snapshot)" type="hidden" value="([^"]*)"', html))
    assert client.post("/checkout", data={**ADDRESS, **again}).status_code == 303
    assert orders_count() == 2


def test_choices_at_checkout_drop_the_waiting_units(client, backordered):
    add(client, backordered, 3)
    client.post("/checkout", data=chosen_form(client, **{f"choice-{backordered.id}": "drop"}))
    line = db.session.scalar(select(OrderLine))
    assert (line.quantity, line.waiting) == (1, 0)


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("email", "not-an-email", "Enter an email address like name@example.com."),
        ("name", "", "Enter your name."),
        ("postcode", "<script>", "Use letters, digits, spaces and hyphens only."),
        ("country", "ZZ", "Not a valid choice"),
        ("country", "", "Choose the country."),
    ],
)
def test_form_errors_show_next_to_the_field_and_place_nothing(
    client, backordered, field, value, message
):
    add(client, backordered, 1)
    response = client.post("/checkout", data={**checkout_form(client), field: value})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert orders_count() == 0


def test_prices_come_from_the_database_not_the_form(client, backordered):
    add(client, backordered, 1)
    client.post("/checkout", data={**checkout_form(client), "price": "1", "unit_price_cents": 1})
    assert db.session.scalar(select(OrderLine.unit_price_cents)) == 10000


def test_a_forged_substitute_at_checkout_is_refused(client, backordered, make_product):
    stranger = make_product(on_hand=9, price_cents=1)
    add(client, backordered, 3)
    form = {**checkout_form(client), f"choice-{backordered.id}": f"sub:{stranger.id}"}
    response = client.post("/checkout", data=form)
    assert response.status_code == 400
    assert "That choice is not available for this item." in response.get_data(as_text=True)
    assert orders_count() == 0


def test_a_forged_snapshot_counts_as_a_change_and_places_nothing(client, backordered):
    add(client, backordered, 1)
    response = client.post("/checkout", data={**checkout_form(client), "snapshot": "forged"})
    assert response.status_code == 409
    assert orders_count() == 0


def test_an_incentive_withdrawn_after_the_cart_was_shown_is_detected(client, backordered):
    add(client, backordered, 3)
    form = checkout_form(client)
    product = db.session.get(Product, backordered.id)
    product.backorder_discount_pct = 0
    db.session.commit()
    response = client.post("/checkout", data=form)
    assert response.status_code == 409
    assert orders_count() == 0


def test_two_lines_sharing_one_substitute_do_not_count_its_stock_twice(client, make_product):
    press = make_product(name="Press", slug="press", on_hand=2, price_cents=3000)
    grinder = make_product(name="Grinder", slug="grinder", on_hand=0, substitutes=[press])
    add(client, grinder, 2)
    client.post(
        "/cart/update", data={"product_id": grinder.id, "quantity": 2, "choice": f"sub:{press.id}"}
    )
    add(client, press, 2)
    html = client.get("/cart").get_data(as_text=True)
    press_line = html[html.index('href="/products/press"') :]
    assert "<strong>2</strong> on backorder" in press_line  # the grinder line took both
    response = client.post("/checkout", data=checkout_form(client))
    assert response.status_code == 303
    db.session.expire_all()
    lines = db.session.scalars(select(OrderLine).where(OrderLine.product_id == press.id)).all()
    assert sorted((line.allocated, line.waiting) for line in lines) == [(0, 2), (2, 0)]


def test_returning_customers_only_still_lets_new_customers_drop_the_wait(app, client, backordered):
    app.config["BACKORDERS_RETURNING_CUSTOMERS_ONLY"] = True
    add(client, backordered, 3)
    form = chosen_form(client, **{f"choice-{backordered.id}": "drop"})
    assert client.post("/checkout", data=form).status_code == 303
    assert db.session.scalar(select(OrderLine.quantity)) == 1


def test_returning_customers_only(app, client, backordered):
    app.config["BACKORDERS_RETURNING_CUSTOMERS_ONLY"] = True
    add(client, backordered, 3)
    response = client.post("/checkout", data=checkout_form(client))
    assert response.status_code == 400
    assert "open to returning customers only" in response.get_data(as_text=True)
    assert orders_count() == 0
    first = place_order(
        Contact("ada@example.com", "A", "1", "T", "1", "US"), [Item(backordered.id, 1)]
    )
    ship_order(first.id)
    assert client.post("/checkout", data=checkout_form(client)).status_code == 303


def test_oversized_bodies_are_refused(client):
    response = client.post("/checkout", data={"name": "x" * 100_000})
    assert response.status_code == 413


def test_updating_a_line_not_in_the_cart_says_so_without_javascript(client, backordered):
    response = client.post("/cart/update", data={"product_id": backordered.id, "quantity": 1})
    assert response.status_code == 400
    assert "That product is not in your cart." in response.get_data(as_text=True)


def test_adding_beyond_what_is_left_counts_what_is_already_in_the_cart(client, make_product):
    knife = make_product(name="Knife", slug="knife", on_hand=5, allow_backorders=False)
    add(client, knife, 3)
    response = add(client, knife, 4)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "You have 3 in your cart; you can add 2 more." in html and "Add 2 instead" in html
    assert add(client, knife, 2).status_code == 302
    assert 'value="5"' in client.get("/cart").get_data(as_text=True)
