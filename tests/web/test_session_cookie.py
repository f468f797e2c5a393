"""Reading a page never writes the session cookie, so a page load cannot undo a cart change."""

import re
from http.cookies import SimpleCookie

import pytest
from sqlalchemy import select

from storefront.demo import seed_demo
from storefront.extensions import db
from storefront.models import Order, Product
from tests.web.routes import add_to_cart


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}  # tokens are part of what a page writes


@pytest.fixture
def shop(app):
    seed_demo()
    slugs = dict(db.session.execute(select(Product.sku, Product.slug)).all())
    token = db.session.scalar(select(Order.token).order_by(Order.id))
    return slugs, token


def add(client, slug: str, quantity: int):
    return add_to_cart(client, slug, quantity)


def shopper_pages(slugs: dict, token: str) -> list[str]:
    grinder = slugs["KIT-GRINDER"]
    return [
        "/",
        "/?category=Kitchen&available=1&q=e",
        f"/products/{slugs['KIT-KETTLE']}",
        f"/products/{grinder}",
        f"/products/{grinder}?quantity=3",
        f"/products/{grinder}/image.svg",
        "/static/css/shop.css",
        "/cart",
        "/checkout",
        "/track",
        f"/orders/{token}",
        f"/orders/{token}/status",
        f"/checkout/confirmation/{token}",
        "/no-such-page",
    ]


def test_a_first_visit_that_only_reads_sets_no_cookie(client, shop):
    slugs, token = shop
    for url in [
        "/",
        "/?q=kettle",
        f"/products/{slugs['KIT-GRINDER']}",
        f"/products/{slugs['KIT-KETTLE']}?quantity=3",
        f"/products/{slugs['KIT-GRINDER']}/image.svg",
        "/cart",
        f"/checkout/confirmation/{token}",
        "/no-such-page",
    ]:
        response = client.get(url)
        assert response.headers.getlist("Set-Cookie") == [], url


def test_a_shoppers_get_requests_set_no_cookie(client, shop):
    slugs, token = shop
    assert add(client, slugs["KIT-KETTLE"], 1).status_code == 302
    assert add(client, slugs["KIT-GRINDER"], 2).status_code == 302
    htmx = {"HX-Request": "true"}
    for url in shopper_pages(slugs, token):
        for headers in ({}, htmx):
            response = client.get(url, headers=headers)
            assert response.status_code < 500, url
            assert response.headers.getlist("Set-Cookie") == [], (url, headers)


def test_the_cart_page_after_adding_says_so_and_sets_no_cookie(client, shop):
    slugs, _ = shop
    added = add(client, slugs["KIT-KETTLE"], 2)
    assert added.status_code == 302
    cart = client.get(added.headers["Location"])
    assert "Added 2 × Copper Kettle to your cart." in cart.get_data(as_text=True)
    assert cart.headers.getlist("Set-Cookie") == []
    # Reloading the cart later does not repeat the message.
    assert "Added 2" not in client.get("/cart").get_data(as_text=True)


def test_cacheable_responses_never_carry_a_cookie(client, shop):
    slugs, _ = shop
    add(client, slugs["KIT-KETTLE"], 1)
    response = client.get(f"/products/{slugs['KIT-KETTLE']}/image.svg")
    assert response.cache_control.public and response.cache_control.max_age
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")


def apply_set_cookie(client, response) -> None:
    """What a browser does with a response's Set-Cookie headers, whenever it arrives."""
    for header in response.headers.getlist("Set-Cookie"):
        for name, morsel in SimpleCookie(header).items():
            if morsel["max-age"] == "0":
                client.delete_cookie(name)
            else:
                client.set_cookie(name, morsel.value)


def test_a_page_load_overlapping_an_add_does_not_undo_it(app, client, shop):
    slugs, token = shop
    add(client, slugs["KIT-KETTLE"], 1)
    for url in shopper_pages(slugs, token):
        before = client.get_cookie("session").value
        # The page load leaves with the cookie as it was; the add lands before it answers.
        reader = app.test_client()
        reader.set_cookie("session", before)
        assert add(client, slugs["GAR-SHEARS"], 1).status_code == 302
        apply_set_cookie(client, reader.get(url))
        html = client.get("/cart").get_data(as_text=True)
        assert "Copper Kettle" in html and "Pruning Shears" in html, url
        count = re.search(r'id="cart-count"[^>]*>\s*\((\d+) items\)', html).group(1)
        assert count == str(2 + shopper_pages(slugs, token).index(url)), url
