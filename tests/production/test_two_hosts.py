"""Two app hosts, one shop: two gunicorn servers, each with several workers, sharing one
PostgreSQL and one Redis, as the README's production setup runs them."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from sqlalchemy import func, select

from storefront.extensions import db
from storefront.models import Order, OrderLine, Product, StaffUser
from tests.production.conftest import REDIS_URL, Browser, hidden, servers

WORKERS = 3
ADDRESS = {
    "name": "Ada Shopper",
    "email": "ada@example.com",
    "address_line1": "1 Main St",
    "address_line2": "",
    "city": "Springfield",
    "postcode": "12345",
    "country": "US",
}
STAFF = ("staff@example.com", "correct horse battery")


@pytest.fixture(scope="module")
def hosts(shared_services):
    with servers(shared_services, count=2, workers=WORKERS) as started:
        yield started
    for server in started:
        assert "Traceback" not in server.log[0], server.log[0]


def product(**fields) -> Product:
    sku = fields.pop("sku")
    made = Product(
        sku=sku, slug=sku.lower(), name=fields.pop("name", sku), price_cents=1000, **fields
    )
    db.session.add(made)
    db.session.commit()
    return made


def add_to_cart(browser: Browser, host: str, item: Product, quantity: int = 1) -> int:
    # A first visit's product page has no form token: the post shows it came from the shop.
    status, _, _ = browser.get(f"{host}/products/{item.slug}")
    assert status == 200
    data = {"product_id": item.id, "quantity": quantity}
    return browser.post(f"{host}/cart/add", data)[0]


def checkout_form(browser: Browser, host: str) -> dict:
    status, _, html = browser.get(f"{host}/checkout")
    assert status == 200, html
    fields = ("csrf_token", "checkout_key", "snapshot")
    return {**ADDRESS, **{name: hidden(html, name) for name in fields}}


def test_a_cart_started_on_one_host_continues_on_the_other(hosts, shop):
    a, b = (host.url for host in hosts)
    kettle = product(sku="HOST-KETTLE", name="Travelling Kettle", on_hand=5)
    browser = Browser()
    assert add_to_cart(browser, a, kettle, 2) in (302, 303)
    status, _, cart = browser.get(f"{b}/cart")
    assert status == 200
    assert "Travelling Kettle" in cart
    status, headers, _ = browser.post(f"{b}/checkout", checkout_form(browser, b))
    assert status == 303, "the order is placed on the other host"
    assert "/checkout/confirmation/" in headers["Location"]


def test_order_lookups_and_sign_ins_are_limited_across_hosts_and_workers(hosts, shop):
    """10 lookups a minute per client, counted in Redis: every worker of both hosts
    sees the same count, so the 11th is refused wherever it lands."""
    urls = [host.url for host in hosts]
    browser = Browser()
    token = browser.csrf_token(f"{urls[0]}/track")
    lookup = {"csrf_token": token, "number": "1001", "email": "nobody@example.com"}
    answers = [browser.post(f"{urls[i % 2]}/track", lookup)[0] for i in range(12)]
    assert answers == [400] * 10 + [429, 429]

    token = browser.csrf_token(f"{urls[1]}/staff/login")
    guess = {"csrf_token": token, "email": "staff@example.com", "password": "wrong guess 123"}
    guesses = [browser.post(f"{urls[i % 2]}/staff/login", guess)[0] for i in range(11)]
    redis.Redis.from_url(REDIS_URL).flushdb()  # the other tests sign in from this address too
    assert guesses == [200] * 10 + [429]


def test_forty_buyers_on_two_hosts_never_oversell_the_last_units(hosts, shop):
    last = product(sku="HOST-LAST", name="Last Lantern", on_hand=5, allow_backorders=False)
    urls = [host.url for host in hosts]
    buyers = [Browser() for _ in range(40)]
    forms = []
    for i, buyer in enumerate(buyers):
        assert add_to_cart(buyer, urls[i % 2], last) in (302, 303)
        forms.append(checkout_form(buyer, urls[i % 2]))
    start = threading.Barrier(len(buyers))

    def buy(i: int) -> int:
        start.wait()
        return buyers[i].post(f"{urls[(i + 1) % 2]}/checkout", forms[i])[0]

    with ThreadPoolExecutor(len(buyers)) as pool:
        answers = list(pool.map(buy, range(len(buyers))))
    assert all(status < 500 for status in answers), answers
    assert answers.count(303) == 5
    db.session.expire_all()
    sold = db.session.scalar(
        select(func.sum(OrderLine.quantity)).where(OrderLine.product_id == last.id)
    )
    assert sold == 5
    assert db.session.get(Product, last.id).on_hand == 0


def test_a_receipt_on_one_host_shows_on_a_tracking_page_polled_from_the_other(hosts, shop):
    a, b = (host.url for host in hosts)
    awaited = product(sku="HOST-WAIT", name="Awaited Anvil", on_hand=0)
    staff = StaffUser(email=STAFF[0])
    staff.set_password(STAFF[1])
    db.session.add(staff)
    db.session.commit()

    shopper = Browser()
    assert add_to_cart(shopper, a, awaited, 1) in (302, 303)
    status, headers, _ = shopper.post(f"{a}/checkout", checkout_form(shopper, a))
    assert status == 303
    token = headers["Location"].rsplit("/", 1)[1]
    _, _, page = shopper.get(f"{b}/orders/{token}")
    status_url = re.search(r'hx-get="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert shopper.get(b + status_url)[0] == 204  # nothing changed yet

    staff_browser = Browser()
    login = {
        "csrf_token": staff_browser.csrf_token(f"{a}/staff/login"),
        "email": STAFF[0],
        "password": STAFF[1],
    }
    assert staff_browser.post(f"{a}/staff/login", login)[0] == 302
    _, _, restock = staff_browser.get(f"{a}/staff/restock/{awaited.sku}")
    receive = {
        "receive-csrf_token": hidden(restock, "receive-csrf_token"),
        "receive-product_id": awaited.id,
        "receive-quantity": 1,
        "receive-shipment_id": 0,
        "receive-receipt_key": hidden(restock, "receive-receipt_key"),
    }
    assert staff_browser.post(f"{a}/staff/restock/receive", receive)[0] == 302

    status, _, fragment = shopper.get(b + status_url)
    assert status == 200
    assert "ready to ship" in fragment
    order = db.session.scalar(select(Order).where(Order.token == token))
    assert order.lines[0].allocated == 1
