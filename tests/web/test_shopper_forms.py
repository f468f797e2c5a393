"""The product page's forms for a first visit: no token and no cookie to read the page, and
a post accepted only from the shop's own page (storefront/forms.py)."""

import re

import pytest

from storefront.forms import SAME_ORIGIN_REFUSED
from tests.web.routes import FORM_TOKEN, SAME_ORIGIN


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def kettle(make_product):
    return make_product(name="Kettle", slug="kettle", on_hand=5)


@pytest.fixture
def sold_out(make_product):
    return make_product(name="Lamp", slug="lamp", on_hand=0, allow_backorders=False)


def post_add(client, product, headers):
    return client.post("/cart/add", data={"product_id": product.id, "quantity": 1}, headers=headers)


def cart_count(client) -> str:
    html = client.get("/cart").get_data(as_text=True)
    return re.search(r'id="cart-count"[^>]*>\s*\((\d+) items?\)', html).group(1)


def test_a_first_visits_page_has_forms_without_a_token_and_sets_no_cookie(client, kettle):
    response = client.get("/products/kettle")
    assert response.headers.getlist("Set-Cookie") == []
    html = response.get_data(as_text=True)
    assert 'action="/cart/add"' in html and not FORM_TOKEN.search(html)


@pytest.mark.parametrize(
    "headers",
    [SAME_ORIGIN, {"Origin": "http://localhost"}],
    ids=["fetch metadata", "origin of a browser without it"],
)
def test_a_tokenless_add_from_the_shops_own_page_is_taken(client, kettle, headers):
    added = post_add(client, kettle, headers)
    assert added.status_code == 302 and "/cart?added=" in added.headers["Location"]
    assert cart_count(client) == "1"
    # The add wrote the session, and gave it a form secret: the next pages carry a token.
    assert FORM_TOKEN.search(client.get("/products/kettle").get_data(as_text=True))


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "same-site"},  # another host of the same site is another origin
        {"Sec-Fetch-Site": "none"},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {},  # neither: no proof at all
    ],
    ids=["cross-site", "same-site", "typed", "other origin", "opaque origin", "no headers"],
)
def test_a_tokenless_add_from_anywhere_else_is_refused_and_changes_nothing(client, kettle, headers):
    refused = post_add(client, kettle, headers)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "This form must be sent from the shop&#39;s own page." in html
    # The page shown again carries a token, so sending it again works from any browser.
    token = FORM_TOKEN.search(html).group(1)
    data = {"product_id": kettle.id, "quantity": 1, "csrf_token": token}
    assert client.post("/cart/add", data=data).status_code == 302
    assert cart_count(client) == "1"


def test_a_post_with_a_token_is_checked_as_every_form_is(client, kettle):
    client.get("/checkout")  # the session has a form secret
    data = {"product_id": kettle.id, "quantity": 1, "csrf_token": "forged"}
    refused = client.post("/cart/add", data=data, headers=SAME_ORIGIN)
    assert refused.status_code == 400
    assert "The CSRF token is invalid." in refused.get_data(as_text=True)
    assert "Your cart is empty" in client.get("/cart").get_data(as_text=True)


def test_the_alert_sign_up_follows_the_same_rule(client, sold_out):
    html = client.get("/products/lamp").get_data(as_text=True)
    assert 'action="/products/lamp/alert"' in html and not FORM_TOKEN.search(html)
    data = {"email": "ann@example.com"}
    refused = client.post("/products/lamp/alert", data=data, headers={"Origin": "https://x.io"})
    assert refused.status_code == 400
    assert SAME_ORIGIN_REFUSED.replace("'", "&#39;") in refused.get_data(as_text=True)
    taken = client.post("/products/lamp/alert", data=data, headers=SAME_ORIGIN)
    assert taken.status_code == 303
    assert "We will email ann@example.com once" in client.get("/products/lamp").get_data(
        as_text=True
    )
