"""The product settings page and the product finder, through the test client."""

import html
import re

import pytest
from sqlalchemy import select

from storefront.extensions import db
from storefront.models import Product, Substitute
from tests.web.test_staff import sign_in

HUGE = str(10**23)


@pytest.fixture
def signed_in(client, staff_user):
    assert sign_in(client).status_code == 302
    return client


@pytest.fixture
def lamp(make_product):
    spare = make_product(sku="LAMP-2", name="Spare lamp", on_hand=4)
    return make_product(
        sku="LAMP-1",
        name="Desk lamp",
        price_cents=2500,
        on_hand=0,
        backorder_discount_pct=10,
        substitutes=[spare],
    )


def form_of(product: Product, **changes) -> dict:
    """What the page posts when staff change nothing but `changes`."""
    data = {
        "name": product.name,
        "price": f"{product.price_cents / 100:.2f}",
        "description": product.description,
        "allow_backorders": "allow" if product.allow_backorders else "deny",
        "backorder_limit": "" if product.backorder_limit is None else product.backorder_limit,
        "backorder_discount_pct": product.backorder_discount_pct,
        "low_stock_threshold": product.low_stock_threshold,
        "substitutes": "\n".join(s.sku for s in product.substitutes),
    }
    if product.backorder_free_shipping:
        data["backorder_free_shipping"] = "y"
    return data | changes


def stored(product_id: int) -> tuple:
    db.session.expire_all()
    p = db.session.get(Product, product_id)
    links = db.session.scalars(
        select(Substitute.substitute_id).where(Substitute.product_id == p.id)
    ).all()
    return (
        p.name,
        p.description,
        p.price_cents,
        p.allow_backorders,
        p.backorder_limit,
        p.backorder_discount_pct,
        p.backorder_free_shipping,
        p.low_stock_threshold,
        links,
    )


def error_of(response, field: str) -> str:
    found = re.search(rf'id="{field}-error">([^<]*)<', response.get_data(as_text=True))
    return html.unescape(found.group(1)) if found else ""


def test_settings_pages_need_a_login(client, lamp):
    for url in ("/staff/products/LAMP-1", "/staff/products?q=lamp"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/staff/login" in response.headers["Location"]
    response = client.post("/staff/products/LAMP-1", data=form_of(lamp, name="Hacked"))
    assert response.status_code == 302
    assert stored(lamp.id)[0] == "Desk lamp"


def test_the_page_shows_the_settings_as_they_are(signed_in, lamp):
    page = signed_in.get("/staff/products/LAMP-1").get_data(as_text=True)
    assert 'value="25.00"' in page
    assert re.search(r'<textarea[^>]*name="substitutes"[^>]*>\s*LAMP-2</textarea>', page)
    assert "Spare lamp" in page
    assert re.search(r'<option selected value="allow">Take backorders</option>', page)


def test_saving_changes_the_product_and_says_what_changed(signed_in, lamp):
    response = signed_in.post(
        "/staff/products/LAMP-1",
        data=form_of(lamp, price="19.90", backorder_limit="3", substitutes=""),
        follow_redirects=True,
    )
    page = html.unescape(response.get_data(as_text=True))
    assert "Saved Desk lamp: Price, Backorder limit, Substitutes." in page
    assert stored(lamp.id)[2:5] == (1990, True, 3)
    assert stored(lamp.id)[-1] == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Enter the product's name."),
        ("price", "-3", "The price must not be negative, not '-3'."),
        ("price", HUGE, "The price must be at most 1,000,000.00."),
        ("price", "12,50", "The price must be a number like 12.50, not '12,50'."),
        ("backorder_limit", "-1", "The limit must be a whole number from 0 to 1,000,000, or"),
        ("backorder_limit", HUGE, "The limit must be a whole number from 0 to 1,000,000"),
        ("backorder_discount_pct", "-5", "The discount must be a whole number from 0 to 100."),
        ("backorder_discount_pct", "101", "The discount must be a whole number from 0 to 100."),
        ("backorder_discount_pct", HUGE, "The discount must be a whole number from 0 to 100."),
        ("low_stock_threshold", "-1", "The threshold must be a whole number from 0 to 1,000,000."),
        ("low_stock_threshold", HUGE, "The threshold must be a whole number from 0 to 1,000,000."),
        ("substitutes", "NO-SUCH", "No product has sku 'NO-SUCH'."),
        ("substitutes", "LAMP-2\nLAMP-1", "LAMP-1 cannot be its own substitute."),
        ("substitutes", "LAMP-2\nLAMP-2", "LAMP-2 is listed twice."),
        ("allow_backorders", "maybe", "Not a valid choice."),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_nothing_changes(
    signed_in, lamp, field, value, message
):
    before = stored(lamp.id)
    # A good change sent with the bad one is not saved either.
    good = {"low_stock_threshold": "9"} if field != "low_stock_threshold" else {"price": "9.99"}
    form = form_of(lamp, **good, **{field: value})
    response = signed_in.post("/staff/products/LAMP-1", data=form)
    assert response.status_code == 400
    assert message in error_of(response, field)
    assert "Nothing was saved" in response.get_data(as_text=True)
    assert stored(lamp.id) == before


def test_an_unknown_or_impossible_sku_is_not_found(signed_in, lamp):
    for sku in ("NO-SUCH", "x" * 300):
        assert signed_in.get(f"/staff/products/{sku}").status_code == 404
    assert signed_in.get("/staff/products/%00").status_code == 400  # storefront.boundary
    assert signed_in.post("/staff/products/NO-SUCH", data=form_of(lamp)).status_code == 404


def test_the_finder_matches_sku_or_name_and_links_to_settings(signed_in, lamp):
    fragment = signed_in.get("/staff/products?q=spare", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert "<html" not in text
    assert 'href="/staff/products/LAMP-2"' in text and "LAMP-1" not in text
    # Without JavaScript the settings page itself shows the matches.
    page = signed_in.get("/staff/products/LAMP-1?q=lamp-2").get_data(as_text=True)
    assert re.search(r'<code class="sku-code">LAMP-2</code> <a href="/staff/products/LAMP-2"', page)
    nothing = signed_in.get("/staff/products?q=%25_zz").get_data(as_text=True)
    assert "No product's sku or name contains" in html.unescape(nothing)


def test_saving_needs_a_csrf_token(app, client, staff_user, lamp):
    sign_in(client)  # with CSRF still off for the test client's sign-in
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/staff/products/LAMP-1", data=form_of(lamp, name="Changed"))
    assert response.status_code == 400
    assert stored(lamp.id)[0] == "Desk lamp"
