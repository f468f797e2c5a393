"""A waiting customer watches the tracking page change by itself when staff receive stock."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from storefront.demo import DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD
from tests.conftest import html_part, text_part

pytestmark = pytest.mark.browser

# The demo's fifth customer (order 1005) waits for 2 Cordless Drills, first in that queue.
ORDER_NUMBER, EMAIL, SKU = "1005", "customer5@example.com", "WRK-DRILL"
TWO_POLLS_MS = 12_000


def receive_as_staff(browser, base_url: str, sku: str, units: int) -> None:
    staff = browser.new_context(base_url=base_url)
    try:
        page = staff.new_page()
        page.goto("/staff/login")
        page.get_by_label("Email").fill(DEMO_STAFF_EMAIL)
        page.get_by_label("Password").fill(DEMO_STAFF_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"/staff/restock/{sku}")
        receive = page.locator("form", has=page.get_by_role("button", name="Receive stock"))
        receive.get_by_label("Units received").fill(str(units))
        receive.get_by_role("button", name="Receive stock").click()
        expect(page.locator(".flashes")).to_contain_text("1 waiting order(s) filled")
    finally:
        staff.close()


def test_tracking_page_shows_arrived_stock_without_a_reload(
    page, browser, live_server, screenshot, console_errors, mail_to
):
    # The order confirmation email says what waits and links to the tracking page.
    [placed] = mail_to(EMAIL)
    assert placed["Subject"] == f"Order {ORDER_NUMBER} is placed"
    text = text_part(placed)
    assert "2 × Cordless Drill: 2 on backorder, ships by" in text
    assert "15% off the 2 backordered units. Free shipping for waiting." in text
    tracking_link = re.search(rf"{re.escape(live_server)}/orders/[A-Za-z0-9_-]{{22}}", text)[0]
    assert f'href="{tracking_link}"' in html_part(placed)

    page.goto("/track")
    page.get_by_label("Order number").fill(ORDER_NUMBER)
    page.get_by_label("Email address used for the order").fill(EMAIL)
    page.get_by_role("button", name="Show my order").click()

    expect(page.get_by_role("heading", name=f"Order {ORDER_NUMBER}")).to_be_visible()
    assert page.url == tracking_link
    summary = page.locator(".summary-line")
    expect(summary).to_have_text(re.compile(r"^2 items waiting — expected by .+\.$"))
    expect(summary.locator("time")).to_have_attribute("datetime", re.compile(r"\d{4}-\d\d-\d\d"))
    expect(page.locator("table.data")).to_contain_text("1st in line, ships by")
    expect(page.locator("#order-status")).to_have_attribute("hx-trigger", "every 5s")
    screenshot(page, "tracking-waiting")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()

    # A reload would lose this flag: the change must arrive through the poll.
    page.evaluate("() => { window.notReloaded = true; }")
    receive_as_staff(browser, live_server, SKU, 2)

    expect(summary).to_have_text("2 items ready to ship.", timeout=TWO_POLLS_MS)
    assert page.evaluate("() => window.notReloaded") is True
    expect(page.locator(".timeline")).to_contain_text("ready to ship")
    expect(page.get_by_role("heading", name="Your choices while you wait")).to_have_count(0)
    screenshot(page, "tracking-ready")
    assert console_errors == []

    # One email for the delivery, with the same link.
    ready = mail_to(EMAIL)[1:]
    assert [mail["Subject"] for mail in ready] == [f"Order {ORDER_NUMBER}: units ready to ship"]
    assert "2 × Cordless Drill reserved from new stock: ready to ship." in text_part(ready[0])
    assert tracking_link in text_part(ready[0])


def test_a_lost_order_number_is_mailed_on_request(page, live_server, mail_to):
    email = "customer3@example.com"  # the demo's wheelbarrow order, 1003
    page.goto("/track")
    page.get_by_label("Email address used for your orders").fill(email)
    page.get_by_role("button", name="Email me my tracking links").click()
    expect(page.locator(".flashes")).to_contain_text(
        f"If we have orders for {email}, we have sent their tracking links to it."
    )
    [links] = [mail for mail in mail_to(email) if mail["Subject"] == "Your Storefront orders"]
    link = re.search(rf"{re.escape(live_server)}/orders/\S+", text_part(links))[0]
    page.goto(link)
    expect(page.get_by_role("heading", name="Order 1003")).to_be_visible()
