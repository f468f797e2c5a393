"""Catalog and product pages answer from the catalog's version: a 304 or a kept page while
nothing changed, and the new state at once after any committed change."""

import gzip
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import g
from sqlalchemy import update

from storefront.extensions import db
from storefront.models import Product
from storefront.models.types import shop_clock
from storefront.services.orders import Contact, Item, place_order
from storefront.services.products import ProductSettings, update_product_settings
from storefront.services.receiving import receive_stock
from storefront.services.shipments import edit_shipment, schedule_shipment
from tests.web.routes import add_to_cart


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def shop(make_product):
    spare = make_product(name="Spare Kettle", on_hand=0)
    waiting = make_product(name="Waiting Grinder", on_hand=0, substitutes=[spare])
    shipment = schedule_shipment(waiting.id, 5, date.today() + timedelta(days=20))
    return waiting, spare, shipment


def etag_of(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.headers["ETag"], response.get_data(as_text=True)


def assert_unchanged(client, url, etag):
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""


def test_an_unchanged_page_answers_304_without_a_body(client, shop):
    waiting, _, _ = shop
    for url in ("/", f"/products/{waiting.slug}", "/?category=General&page=1"):
        etag, _ = etag_of(client, url)
        assert_unchanged(client, url, etag)
        response = client.get(url, headers={"If-None-Match": '"something-else"'})
        assert response.status_code == 200
        assert "no-cache" in response.headers["Cache-Control"]


def _receive(shop):
    receive_stock(shop[0].id, 2)


def _new_shipment(shop):
    schedule_shipment(shop[0].id, 3, date.today() + timedelta(days=5))


def _moved_shipment(shop):
    edit_shipment(shop[2].id, 5, date.today() + timedelta(days=40))


def _substitute_stock(shop):
    receive_stock(shop[1].id, 4)


def _new_price(shop):
    update_product_settings(
        shop[0].sku,
        ProductSettings(
            name="Waiting Grinder",
            description="",
            price_cents=4321,
            allow_backorders=True,
            backorder_limit=None,
            backorder_discount_pct=0,
            backorder_free_shipping=False,
            low_stock_threshold=5,
            substitutes=(shop[1].sku,),
        ),
    )


def _bulk_statement(shop):
    # A change made by any statement at all, even one no service wrote.
    db.session.execute(update(Product).where(Product.id == shop[0].id).values(name="Burr Grinder"))
    db.session.commit()


CHANGES = [_receive, _new_shipment, _moved_shipment, _substitute_stock, _new_price, _bulk_statement]


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__.strip("_"))
def test_every_committed_change_shows_at_once(client, shop, change):
    waiting, _, _ = shop
    client.get(f"/products/{waiting.slug}")  # the shopper's session now holds its form secret
    pages = {url: etag_of(client, url) for url in ("/", f"/products/{waiting.slug}")}
    for url, (etag, _) in pages.items():
        assert_unchanged(client, url, etag)  # and now this process keeps the page
    change(shop)
    for url, (etag, before) in pages.items():
        response = client.get(url, headers={"If-None-Match": etag})
        assert response.status_code == 200, url
        assert response.headers["ETag"] != etag
        assert response.get_data(as_text=True) != before, url


def test_the_next_day_is_a_new_page(client, shop):
    waiting, _, _ = shop
    url = f"/products/{waiting.slug}"
    etag, _ = etag_of(client, url)
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    with shop_clock(lambda: tomorrow):
        response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.headers["ETag"] != etag


def test_a_kept_page_carries_each_shoppers_own_form_token(app, shop):
    waiting, _, _ = shop
    url = f"/products/{waiting.slug}"
    tokens = []
    for _ in range(2):
        client = app.test_client()  # a new shopper, no cookie
        # The fixture's app context outlives requests here (not under a server), and with
        # it `g`, where Flask-WTF keeps the request's token: start each shopper afresh.
        g.pop("csrf_token", None)
        client.get("/checkout")  # its form gives the session a form secret
        html = client.get(url).get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        tokens.append(token)
        product_id = re.search(r'name="product_id" value="(\d+)"', html).group(1)
        added = client.post(
            "/cart/add", data={"csrf_token": token, "product_id": product_id, "quantity": 1}
        )
        assert added.status_code == 302, "the token put into the kept page is the shopper's"
    assert tokens[0] != tokens[1]
    assert "\x00" not in html


def test_a_first_visits_product_page_is_one_page_for_everyone_without_a_cookie(app, shop):
    waiting, _, _ = shop
    url = f"/products/{waiting.slug}"
    answers = [app.test_client().get(url, headers={"Accept-Encoding": "gzip"}) for _ in range(2)]
    assert [a.headers.getlist("Set-Cookie") for a in answers] == [[], []]
    pages = [gzip.decompress(answer.data) for answer in answers]
    assert pages[0] == pages[1] and b"csrf_token" not in pages[0]
    assert answers[0].headers["ETag"] == answers[1].headers["ETag"]


def test_the_cart_count_is_part_of_the_page(client, shop):
    waiting, _, _ = shop
    etag, before = etag_of(client, "/")
    assert add_to_cart(client, waiting.slug, 2).status_code == 302
    response = client.get("/", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert "(2 items)" in response.get_data(as_text=True)
    assert "(2 items)" not in before


def test_a_page_with_a_message_for_the_shopper_is_never_kept(client, shop):
    _waiting, _, _ = shop
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "A message for one shopper")]
    response = client.get("/")
    assert "A message for one shopper" in response.get_data(as_text=True)
    assert "no-store" in response.headers["Cache-Control"]
    assert "ETag" not in response.headers
    assert "A message for one shopper" not in client.get("/").get_data(as_text=True)


def test_a_kept_tracking_page_and_cart_follow_every_change(client, shop):
    waiting, _, _ = shop
    assert add_to_cart(client, waiting.slug, 1).status_code == 302
    cart = client.get("/cart").get_data(as_text=True)
    assert client.get("/cart").get_data(as_text=True) == cart  # kept, and the same
    _new_price(shop)
    assert "$43.21" in client.get("/cart").get_data(as_text=True)

    contact = Contact("ann@example.com", "Ann", "1 Road", "Town", "1", "US")
    order = place_order(contact, [Item(waiting.id, 1)])
    page = client.get(f"/orders/{order.token}").get_data(as_text=True)
    assert "no-store" in client.get(f"/orders/{order.token}").headers["Cache-Control"]
    receive_stock(waiting.id, 1)
    filled = client.get(f"/orders/{order.token}").get_data(as_text=True)
    assert filled != page
