"""Markup typed into any free-text field comes back as text wherever the shop shows it."""

import pytest

from storefront.services.orders import Contact, Item, place_order
from tests.conftest import days
from tests.web.routes import sign_in_staff

PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"


def shows_as_text(response) -> bool:
    body = response.get_data(as_text=True)
    assert "<script>alert(1)" not in body and "<img src=x" not in body, body
    return ESCAPED in body


@pytest.fixture
def product(make_product):
    return make_product(
        name=f"Kettle {PAYLOAD}",
        slug="kettle",
        category=f"Kitchen {PAYLOAD}",
        description=PAYLOAD,
        on_hand=0,
    )


def test_a_product_named_with_markup_shows_it_as_text_everywhere(app, client, product):
    from storefront.demo import seed_demo
    from storefront.services.shipments import schedule_shipment

    seed_demo()
    schedule_shipment(product.id, 5, days(6), reference=PAYLOAD)
    order = place_order(
        Contact("a@example.com", PAYLOAD, PAYLOAD, PAYLOAD, "1", "US"), [Item(product.id, 1)]
    )
    client.post("/cart/add", data={"product_id": product.id, "quantity": 1})
    for path in [
        "/",
        f"/?category=Kitchen {PAYLOAD}",
        "/products/kettle",
        "/products/kettle?quantity=2",
        "/cart",
        "/checkout",
        f"/checkout/confirmation/{order.token}",
        f"/orders/{order.token}",
    ]:
        assert shows_as_text(client.get(path)), path
    image = client.get("/products/kettle/image.svg")
    assert "<script>alert(1)" not in image.get_data(as_text=True)
    sign_in_staff(client)
    assert shows_as_text(client.get("/staff/restock"))  # product name and shipment reference


def test_markup_typed_into_the_search_comes_back_as_text(client):
    assert shows_as_text(client.get("/", query_string={"q": PAYLOAD}))


def test_markup_typed_into_the_order_lookup_comes_back_as_text(client):
    response = client.post("/track", data={"number": PAYLOAD, "email": PAYLOAD})
    assert response.status_code == 400
    assert shows_as_text(response)


def test_markup_typed_into_the_checkout_comes_back_as_text(client, make_product):
    kettle = make_product(name="Kettle", slug="kettle", on_hand=5)
    client.post("/cart/add", data={"product_id": kettle.id, "quantity": 1})
    fields = ("name", "address_line1", "address_line2", "city", "postcode", "email")
    response = client.post("/checkout", data=dict.fromkeys(fields, PAYLOAD))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert shows_as_text(response)
    assert body.count(ESCAPED) >= len(fields)


def test_markup_typed_into_staff_forms_comes_back_as_text(client, staff_user, make_product):
    product = make_product(on_hand=0)
    response = client.post("/staff/login", data={"email": PAYLOAD, "password": "x"})
    assert shows_as_text(response)
    client.post(
        "/staff/login", data={"email": staff_user.email, "password": "correct horse battery"}
    )
    refused = client.post(
        "/staff/restock/schedule",
        data={
            "schedule-product_id": product.id,
            "schedule-quantity": PAYLOAD,
            "schedule-expected_on": PAYLOAD,
            "schedule-reference": PAYLOAD,
        },
    )
    assert refused.status_code == 400
    assert shows_as_text(refused)
