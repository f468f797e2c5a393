"""Staff find an order, pack it and mark it shipped; the customer's open page sees it arrive."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from storefront.demo import DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_cart_browser import add_to_cart

pytestmark = pytest.mark.browser

TWO_POLLS_MS = 12_000


def assert_accessible(page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def assert_fits(page, width: int) -> None:
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} is {scroll_width} px wide at {width} px"


def place_order_for_a_kettle(page) -> tuple[str, str]:
    """A shopper orders one Copper Kettle (in stock); returns its number and tracking path."""
    add_to_cart(page, "kit-kettle", 1)
    page.get_by_role("link", name="Go to checkout").click()
    page.get_by_label("Full name").fill("Grace Packer")
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_label("Address", exact=True).fill("7 Dock Road")
    page.get_by_label("City").fill("Portsmouth")
    page.get_by_label("Postcode").fill("54321")
    page.get_by_label("Country").select_option("US")
    page.get_by_role("button", name="Place order").click()
    heading = page.get_by_role("heading", name=re.compile(r"order \d+ is placed"))
    number = re.search(r"order (\d+)", heading.inner_text()).group(1)
    tracking = page.get_by_role("link", name=re.compile("track order")).get_attribute("href")
    return number, tracking


def screenshots_at_both_widths(staff, screenshot, name: str) -> None:
    for size, label in ((DESKTOP, "desktop"), (PHONE, "phone")):
        staff.set_viewport_size(size)
        assert_fits(staff, size["width"])
        screenshot(staff, f"{name}-{label}")
    staff.set_viewport_size(DESKTOP)


def test_staff_ship_an_order_and_the_open_tracking_page_becomes_final(
    page, browser, live_server, screenshot, console_errors
):
    number, tracking = place_order_for_a_kettle(page)
    page.goto(tracking)
    summary = page.locator(".summary-line")
    expect(summary).to_have_text("1 item ready to ship.")
    expect(page.locator("#order-status")).to_have_attribute("hx-trigger", "every 5s")
    page.evaluate("() => { window.notReloaded = true; }")

    context = browser.new_context(viewport=DESKTOP, base_url=live_server)
    context.set_default_timeout(5_000)
    try:
        staff = context.new_page()
        staff.goto("/staff/orders")  # the login comes first, then back to the orders
        staff.get_by_label("Email").fill(DEMO_STAFF_EMAIL)
        staff.get_by_label("Password").fill(DEMO_STAFF_PASSWORD)
        staff.get_by_role("button", name="Sign in").click()
        expect(staff.get_by_role("heading", name="Orders", exact=True)).to_be_visible()
        staff.get_by_label("Order number, email or name").fill(number)
        staff.get_by_role("button", name="Search all orders").click()
        expect(staff.locator(".result-count")).to_have_text(
            f"All orders matching “{number}”: 1 order."
        )
        assert_accessible(staff)
        screenshots_at_both_widths(staff, screenshot, "staff-orders")

        staff.get_by_role("link", name=f"Order {number}").click()
        expect(staff.get_by_role("heading", name=f"Order {number}")).to_be_visible()
        expect(staff.locator("table.data")).to_contain_text("Copper Kettle")
        assert_accessible(staff)
        screenshots_at_both_widths(staff, screenshot, "staff-order")

        staff.get_by_role("link", name=f"Packing list for order {number}").click()
        expect(staff.locator(".packing-table")).to_contain_text("KIT-KETTLE")
        assert_accessible(staff)
        screenshots_at_both_widths(staff, screenshot, "staff-packing-list")
        staff.emulate_media(media="print")
        expect(staff.locator(".site-header")).to_be_hidden()
        screenshot(staff, "staff-packing-list-print")
        staff.emulate_media(media="screen")
        staff.go_back()

        staff.get_by_label("Carrier (optional)").fill("UPS")
        staff.get_by_label("Tracking number (optional)").fill("1Z999AA10123456784")
        staff.get_by_role("button", name="Mark 1 ready unit shipped").click()
        expect(staff.locator(".flashes")).to_contain_text(
            f"Order {number} shipped: 1 × Copper Kettle."
        )
        expect(staff.locator(".parcels")).to_contain_text("Carrier: UPS")
        screenshots_at_both_widths(staff, screenshot, "staff-order-shipped")
    finally:
        context.close()

    expect(summary).to_have_text("Everything is on its way: 1 item shipped.", timeout=TWO_POLLS_MS)
    assert page.evaluate("() => window.notReloaded") is True
    expect(page.locator("#order-status")).not_to_have_attribute("hx-trigger", "every 5s")
    expect(page.locator(".parcels")).to_contain_text("tracking number 1Z999AA10123456784")
    expect(page.locator(".timeline")).to_contain_text("Carrier: UPS.")
    assert_accessible(page)
    screenshot(page, "tracking-shipped")
    assert console_errors == []
