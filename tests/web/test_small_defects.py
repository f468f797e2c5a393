"""Smaller defects found under attack: a secret key of digits, caching of the cart and the
checkout, a cart line whose product vanished, and what the returning-customers rule says."""

import re

import pytest
from sqlalchemy import delete

from storefront import create_app
from storefront.extensions import db
from storefront.models import Product
from tests.web.test_cart import ADDRESS, add, checkout_form, orders_count


@pytest.mark.parametrize("key", ["12345678901234567890", "1e5", "true", "null", "0.50"])
def test_a_secret_key_that_looks_like_json_stays_the_text_given(monkeypatch, tmp_path, key):
    monkeypatch.setenv("STOREFRONT_SECRET_KEY", key)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/env.sqlite3")
    app = create_app()
    assert app.config["SECRET_KEY"] == key
    with app.app_context():
        db.create_all()
    response = app.test_client().get("/track")  # signs a CSRF token with the key
    assert response.status_code == 200


@pytest.fixture
def product(make_product):
    return make_product(name="Kettle", slug="kettle", on_hand=5)


@pytest.mark.parametrize("path", ["/cart", "/checkout"])
def test_the_cart_and_the_checkout_are_never_stored_by_a_cache(client, product, path):
    add(client, product, 1)
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_the_cart_fragment_is_never_stored_by_a_cache(client, product):
    add(client, product, 1)
    response = client.post(
        "/cart/update",
        data={"product_id": product.id, "quantity": 2},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_updating_a_line_whose_product_was_removed_is_refused(client, product):
    add(client, product, 1)
    db.session.execute(delete(Product).where(Product.id == product.id))
    db.session.commit()
    response = client.post(
        "/cart/update", data={"product_id": product.id, "quantity": 2, "choice": "wait"}
    )
    assert response.status_code == 400  # was a 500


def _refusal(client, email: str):
    response = client.post("/checkout", data={**checkout_form(client), "email": email})
    text = response.get_data(as_text=True)
    summary = re.search(r'<div class="error-summary".*?</div>', text, re.S)
    problems = re.findall(r"<li><a [^>]*>(.*?)</a></li>", summary.group(0)) if summary else []
    return response.status_code, problems, text


def test_the_returning_customers_rule_answers_alike_for_every_address(app, client, make_product):
    from storefront.services.orders import Contact, Item, place_order

    app.config["BACKORDERS_RETURNING_CUSTOMERS_ONLY"] = True
    waiting = make_product(name="Grinder", slug="grinder", on_hand=0)
    other = make_product(name="Scale", slug="scale", on_hand=5)
    # One address has an order that has not shipped; the other was never seen.
    place_order(Contact("known@example.com", "K", "1", "T", "1", "US"), [Item(other.id, 1)])
    add(client, waiting, 1)
    known = _refusal(client, "known@example.com")
    unknown = _refusal(client, "nobody@example.com")
    assert known[0] == unknown[0] == 400
    assert known[1] == unknown[1] and known[1]
    assert "known@example.com" not in " ".join(known[1])
    assert orders_count() == 1
    assert ADDRESS  # the address fields came from the cart tests' form
