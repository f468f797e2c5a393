"""A shopper in Chromium: an in-stock item, a backordered one switched to a substitute, checkout."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.conftest import html_part, text_part

pytestmark = pytest.mark.browser


def assert_accessible(page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def add_to_cart(page, slug: str, quantity: int) -> None:
    page.goto(f"/products/{slug}")
    page.get_by_label("Quantity").fill(str(quantity))
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("heading", name="Your cart")).to_be_visible()


def test_shopper_takes_a_substitute_and_places_the_order(
    page, screenshot, console_errors, mail_to, live_server
):
    add_to_cart(page, "kit-kettle", 1)
    add_to_cart(page, "kit-grinder", 2)

    grinder = page.locator(".cart-line", has_text="Burr Coffee Grinder")
    expect(grinder).to_contain_text("2 on backorder")
    expect(grinder.locator("time")).to_have_attribute("datetime", re.compile(r"\d{4}-\d\d-\d\d"))
    expect(grinder).to_contain_text("10% off the 2 backordered units")

    grinder.get_by_label(re.compile("Take Pour-over Scale instead")).check()
    grinder.get_by_role("button", name="Update").click()
    # htmx swaps the cart in place: the line now says the substitute ships now.
    grinder = page.locator(".cart-line", has_text="Burr Coffee Grinder")
    expect(grinder).to_contain_text("2 × Pour-over Scale instead, ships now at $45.00 each")
    expect(page.locator(".totals")).to_contain_text("$153.95")  # 59 + 2 * 45 + 4.95
    screenshot(page, "cart-with-substitute")
    assert_accessible(page)

    page.get_by_role("link", name="Go to checkout").click()
    assert_accessible(page)
    page.get_by_label("Full name").fill("Ada Shopper")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Address", exact=True).fill("1 Main Street")
    page.get_by_label("City").fill("Springfield")
    page.get_by_label("Postcode").fill("12345")
    page.get_by_label("Country").select_option("US")
    page.get_by_role("button", name="Place order").click()

    expect(page.get_by_role("heading", name=re.compile(r"order \d+ is placed"))).to_be_visible()
    table = page.locator("table.data")
    expect(table).to_contain_text("Copper Kettle")
    expect(table).to_contain_text("Pour-over Scale")
    expect(table).to_contain_text("Instead of waiting for Burr Coffee Grinder")
    expect(page.locator(".totals")).to_contain_text("$153.95")
    expect(page.get_by_role("link", name=re.compile("track order"))).to_have_attribute(
        "href", re.compile(r"^/orders/[A-Za-z0-9_-]{22}$")
    )
    screenshot(page, "order-confirmation")
    assert_accessible(page)
    assert console_errors == []

    # The confirmation email says the same, with the same tracking link.
    track = page.get_by_role("link", name=re.compile("track order")).get_attribute("href")
    [mail] = mail_to("ada@example.com")
    number = re.search(r"order (\d+) is placed", page.locator("h1").inner_text())[1]
    assert mail["Subject"] == f"Order {number} is placed"
    text = text_part(mail)
    assert "1 × Copper Kettle: 1 ready to ship now." in text
    assert "2 × Pour-over Scale (instead of waiting for Burr Coffee Grinder)" in text
    assert "total $153.95" in text and f"{live_server}{track}" in text
    assert "Ada Shopper, 1 Main Street, 12345 Springfield, US" in html_part(mail)


def test_a_first_visit_reads_without_a_cookie_and_a_post_from_another_site_is_refused(
    page, live_server
):
    page.goto("/products/kit-kettle")
    assert page.context.cookies() == []
    kettle = page.locator('input[name="product_id"]').get_attribute("value")
    # Another site's page (here a blank one, of no origin) posts the shop's "Add to cart"
    # form; Chromium says where the post came from.
    page = page.context.new_page()
    page.set_content(
        f'<form method="post" action="{live_server}/cart/add">'
        f'<input name="product_id" value="{kettle}"><input name="quantity" value="3">'
        "<button>Win a prize</button></form>"
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Win a prize").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "This form must be sent from the shop's own page."
    )
    expect(page.locator("#cart-count")).to_have_text("")  # nothing was added
    assert_accessible(page)
    # The page shown again is the shop's own, with a token: one more press adds it.
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("heading", name="Your cart")).to_be_visible()
    expect(page.locator(".cart-line")).to_have_count(1)
