"""Staff receive stock with a live preview and move a late shipment; a customer sees it live."""

import re
from datetime import date, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from storefront.demo import DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

# The demo's second customer (order 1002) waits for 3 Burr Coffee Grinders, behind order
# 1001's 2; shipments PO-2041 (6 units, in 9 days) and PO-2057 (10, in 23 days) cover them.
ORDER_NUMBER, EMAIL, SKU = "1002", "customer2@example.com", "KIT-GRINDER"
TWO_POLLS_MS = 12_000


def sign_in(page) -> None:
    page.goto("/staff/login")
    page.get_by_label("Email").fill(DEMO_STAFF_EMAIL)
    page.get_by_label("Password").fill(DEMO_STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Restock", exact=True)).to_be_visible()


def look_at(page, screenshot, name: str) -> None:
    """Screenshots at desktop and phone width; at phone width nothing is wider than the screen."""
    screenshot(page, f"{name}-desktop")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
    screenshot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def open_tracking_page(browser, live_server):
    customer = browser.new_context(base_url=live_server)
    page = customer.new_page()
    page.goto("/track")
    page.get_by_label("Order number").fill(ORDER_NUMBER)
    page.get_by_label("Email address used for the order").fill(EMAIL)
    page.get_by_role("button", name="Show my order").click()
    expect(page.get_by_role("heading", name=f"Order {ORDER_NUMBER}")).to_be_visible()
    return customer, page


def test_staff_receive_with_a_live_preview_and_a_late_shipment_moves_the_customer(
    page, browser, live_server, screenshot, console_errors
):
    sign_in(page)
    look_at(page, screenshot, "staff-restock")
    page.get_by_label("Show").select_option(label="Needs attention (any of the three below)")
    page.get_by_role("button", name="Show products").click()
    page.get_by_role("link", name="Burr Coffee Grinder").click()

    # The preview appears as the quantity is typed, with no button pressed.
    preview = page.locator("#receipt-preview")
    expect(preview).not_to_contain_text("Preview: nothing saved yet")
    page.get_by_label("Units received").fill("1")
    expect(preview).to_contain_text("Preview: nothing saved yet")
    expect(preview).to_contain_text("Order 1001 gets 1 unit")
    look_at(page, screenshot, "staff-restock-product")
    page.get_by_role("button", name="Receive stock").click()
    expect(page.locator(".flashes")).to_contain_text("Received 1 × KIT-GRINDER: 1 waiting order")
    expect(page.locator("table").last).to_contain_text(DEMO_STAFF_EMAIL)  # who received it

    customer, tracking = open_tracking_page(browser, live_server)
    try:
        dated = tracking.locator(".summary-line time")
        before = dated.get_attribute("datetime")
        tracking.evaluate("() => { window.notReloaded = true; }")

        page.get_by_role("link", name="Incoming shipments").click()
        look_at(page, screenshot, "staff-shipments")
        page.get_by_role("row", name=re.compile("PO-2041")).get_by_role(
            "link", name=re.compile("^Receive, edit or cancel")
        ).click()
        later = date.today() + timedelta(days=30)
        page.get_by_label("Expected on", exact=True).fill(later.isoformat())
        page.get_by_role("button", name="Preview the change").click()
        # The later shipment now covers orders 1001 and 1002: 23 days out plus 2 handling days.
        moved_to = (date.today() + timedelta(days=25)).isoformat()
        expect(page.locator(".preview")).to_contain_text("2 orders move from")
        expect(page.locator(f'.preview time[datetime="{moved_to}"]')).to_have_count(1)
        look_at(page, screenshot, "staff-shipment")
        page.get_by_role("button", name="Save the change").click()
        expect(page.locator(".flashes")).to_contain_text("2 waiting order(s) have a new date")

        expect(dated).to_have_attribute("datetime", moved_to, timeout=TWO_POLLS_MS)
        assert before != moved_to
        assert tracking.evaluate("() => window.notReloaded") is True
        expect(tracking.locator(".timeline")).to_contain_text("expected ship date moved later")
    finally:
        customer.close()
    assert console_errors == []
