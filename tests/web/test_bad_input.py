"""Hostile or mistyped input gets a 4xx with a message the user can act on, never a 500."""

import html

import pytest
from sqlalchemy import select

from storefront.demo import DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD, seed_demo
from storefront.extensions import db
from storefront.models import OrderLine, Product

HUGE = str(10**23)  # past any 64-bit integer, so the database driver cannot take it


@pytest.fixture
def shop(app):
    """The demo shop: what the cases below put in their paths and forms."""
    seed_demo()
    line = db.session.scalars(select(OrderLine).where(OrderLine.waiting > 0)).first()
    grinder = db.session.scalar(select(Product).where(Product.sku == "KIT-GRINDER"))
    return {"token": line.order.token, "line": line.id, "product": grinder.id}


CASES = [
    pytest.param(
        "GET", "/?page=9223372036854775807", {}, 404, "There is no such page of the catalog.",
        id="catalog page past any sane number",
    ),
    pytest.param(
        "GET", "/products/kit-kettle?quantity=²", {}, 400, "Enter a whole number from 1 to 999.",
        id="quantity in superscript digits",
    ),
    pytest.param(
        "GET", "/products/kit-kettle?quantity=1000", {}, 400, "Enter a whole number from 1 to 999.",
        id="quantity too large",
    ),
    pytest.param(
        "POST", "/cart/add", {"product_id": HUGE, "quantity": "1"},
        404, "There is no such product in the shop.",
        id="adding a product id past any integer",
    ),
    pytest.param(
        "POST", "/cart/add", {"product_id": "²", "quantity": "1"},
        404, "There is no such product in the shop.",
        id="adding a product id in superscript digits",
    ),
    pytest.param(
        "POST", "/orders/{token}/lines/{line}/substitute", {"substitute_id": HUGE, "units": "1"},
        400, "Choose one of the items offered instead.",
        id="switching to a substitute id past any integer",
    ),
    pytest.param(
        "POST", "/orders/{token}/lines/{line}/cancel", {"units": HUGE},
        400, "Enter a whole number of units, at least 1.",
        id="cancelling more units than any integer",
    ),
    pytest.param(
        "POST", "/orders/{token}/lines/" + HUGE + "/cancel", {"units": "1"},
        404, "That item is not part of this order.",
        id="cancelling a line id past any integer",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "form", "status", "message"), CASES)
def test_bad_input_gets_a_clear_4xx(client, shop, method, path, form, status, message):
    response = client.open(path.format(**shop), method=method, data=form)
    assert response.status_code == status
    assert message in html.unescape(response.get_data(as_text=True))


def test_updating_a_product_id_past_any_integer_is_refused(client, shop):
    # The cart's quantity fields post with htmx; the answer is the cart fragment.
    response = client.post(
        "/cart/update",
        data={"product_id": HUGE, "quantity": "1"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert "That product is not in your cart." in response.get_data(as_text=True)


def test_bad_quantity_from_the_quantity_field_gets_its_fragment(client, shop):
    response = client.get("/products/kit-kettle?quantity=²", headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert "Enter a whole number from 1 to 999." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("expected_on", "message"),
    [
        ("9999-12-31", "Choose a date within the next three years."),
        ("2000-01-01", "The expected date cannot be in the past."),
        ("10000-01-01", "Not a valid date value."),
    ],
)
def test_a_schedule_date_out_of_range_is_refused(client, shop, expected_on, message):
    signed_in = client.post(
        "/staff/login", data={"email": DEMO_STAFF_EMAIL, "password": DEMO_STAFF_PASSWORD}
    )
    assert signed_in.status_code == 302
    response = client.post(
        "/staff/restock/schedule",
        data={
            "schedule-product_id": shop["product"],
            "schedule-quantity": "4",
            "schedule-expected_on": expected_on,
        },
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
