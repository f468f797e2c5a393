"""Staff pages: behind a login, with forms that receive and schedule stock."""

import re

import pytest
from sqlalchemy import select

from storefront.extensions import db
from storefront.models import InboundShipment, OrderLine, Product
from storefront.services.orders import Contact, Item, place_order
from tests.conftest import days


def sign_in(client, password="correct horse battery"):
    return client.post("/staff/login", data={"email": "staff@example.com", "password": password})


@pytest.fixture
def signed_in(client, staff_user):
    assert sign_in(client).status_code == 302
    return client


def test_restock_needs_a_login(client):
    response = client.get("/staff/restock")
    assert response.status_code == 302
    assert "/staff/login" in response.headers["Location"]


def test_wrong_password_gets_a_clear_message(client, staff_user):
    response = sign_in(client, password="wrong")
    assert response.status_code == 200
    assert "do not match a staff account" in response.get_data(as_text=True)
    assert client.get("/staff/restock").status_code == 302


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x",
        "/\\evil.example",
        "///evil.example",
        " //evil.example",
        "/\t/evil.example",
        "https://evil.example/x",
        "javascript:alert(1)",
    ],
)
def test_login_does_not_redirect_off_site(client, staff_user, target):
    response = client.post(
        "/staff/login",
        query_string={"next": target},
        data={"email": "staff@example.com", "password": "correct horse battery"},
    )
    assert response.headers["Location"] == "/staff/restock"


def test_login_returns_to_the_page_asked_for(client, staff_user):
    response = client.post(
        "/staff/login",
        query_string={"next": "/staff/restock?from=login"},
        data={"email": "staff@example.com", "password": "correct horse battery"},
    )
    assert response.headers["Location"] == "/staff/restock?from=login"


def test_restock_lists_waiting_demand_first(signed_in, make_product):
    make_product(name="Plenty", on_hand=50)
    wanted = make_product(name="Wanted", on_hand=0)
    place_order(Contact("a@example.com", "A", "1 St", "T", "1", "US"), [Item(wanted.id, 3)])
    html = signed_in.get("/staff/restock").get_data(as_text=True)
    assert html.index("Wanted") < html.index("Plenty")
    assert "3 not covered" in html
    assert signed_in.get("/staff/restock").headers["Cache-Control"] == "no-store"


def receipt_key(client, sku: str) -> str:
    html = client.get(f"/staff/restock/{sku}").get_data(as_text=True)
    return re.search(r'name="receive-receipt_key" type="hidden" value="([^"]+)"', html).group(1)


def test_receiving_from_the_form_fills_waiting_orders(signed_in, make_product):
    product = make_product(name="Wanted", on_hand=0)
    place_order(Contact("a@example.com", "A", "1 St", "T", "1", "US"), [Item(product.id, 2)])
    form = {
        "receive-product_id": product.id,
        "receive-quantity": 5,
        "receive-shipment_id": 0,
        "receive-receipt_key": receipt_key(signed_in, product.sku),
    }
    preview = signed_in.post("/staff/restock/receive", data={**form, "preview": "1"})
    assert "Preview: nothing saved yet" in preview.get_data(as_text=True)
    assert db.session.get(Product, product.id).on_hand == 0
    response = signed_in.post("/staff/restock/receive", data=form, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "1 waiting order(s) filled, 3 to stock on hand" in html
    assert "Deliveries of this product" in html and "No deliveries recorded yet." not in html
    assert "staff@example.com" in html  # who received it
    db.session.expire_all()
    assert db.session.scalar(select(OrderLine.allocated)) == 2


def test_the_same_receive_form_sent_twice_counts_once(signed_in, make_product):
    product = make_product(name="Lamp", on_hand=0)
    form = {
        "receive-product_id": product.id,
        "receive-quantity": 5,
        "receive-shipment_id": 0,
        "receive-receipt_key": receipt_key(signed_in, product.sku),
    }
    signed_in.post("/staff/restock/receive", data=form)
    again = signed_in.post("/staff/restock/receive", data=form, follow_redirects=True)
    assert "already recorded; nothing was added a second time" in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Product, product.id).on_hand == 5


def test_bad_quantity_is_refused_next_to_the_field(signed_in, make_product):
    product = make_product(on_hand=0)
    response = signed_in.post(
        "/staff/restock/receive",
        data={"receive-product_id": product.id, "receive-quantity": "-4", "receive-shipment_id": 0},
    )
    assert response.status_code == 400
    assert re.search(
        r'id="receive-quantity-error">Enter a whole number from 1 to 1,000,000',
        response.get_data(as_text=True),
    )
    assert db.session.get(Product, product.id).on_hand == 0


def test_scheduling_a_shipment_dates_the_waiting_orders(signed_in, make_product):
    product = make_product(on_hand=0)
    place_order(Contact("a@example.com", "A", "1 St", "T", "1", "US"), [Item(product.id, 1)])
    response = signed_in.post(
        "/staff/restock/schedule",
        data={
            "schedule-product_id": product.id,
            "schedule-quantity": 4,
            "schedule-expected_on": days(6).isoformat(),
            "schedule-reference": "PO-1",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(InboundShipment.reference)) == "PO-1"
    assert db.session.scalar(select(OrderLine.promised_on)) == days(8)


def test_past_dates_are_refused(signed_in, make_product):
    product = make_product(on_hand=0)
    response = signed_in.post(
        "/staff/restock/schedule",
        data={
            "schedule-product_id": product.id,
            "schedule-quantity": 4,
            "schedule-expected_on": days(-1).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "cannot be in the past" in response.get_data(as_text=True)


def test_dates_beyond_three_years_are_refused(signed_in, make_product):
    product = make_product(on_hand=0)
    response = signed_in.post(
        "/staff/restock/schedule",
        data={
            "schedule-product_id": product.id,
            "schedule-quantity": 4,
            "schedule-expected_on": days(3 * 366).isoformat(),
        },
    )
    assert response.status_code == 400
    assert re.search(
        r'id="schedule-expected_on-error">Choose a date within the next three years\.',
        response.get_data(as_text=True),
    )
    assert db.session.scalar(select(InboundShipment.id)) is None


def test_forms_need_a_csrf_token(app, staff_user):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    response = sign_in(client)
    assert response.status_code == 400
    assert client.get("/staff/restock").status_code == 302
