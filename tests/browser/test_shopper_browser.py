"""A shopper on a desktop and on a phone: choices that save and total themselves as they are
made, the header's count, checkout errors, and every page within the screen's width."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser


def assert_accessible(page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def assert_fits(page, width: int) -> None:
    """Nothing makes the page scroll sideways (wide tables scroll inside their own box)."""
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} is {scroll_width} px wide on a {width} px screen"


def add_to_cart(page, slug: str, quantity: int) -> None:
    page.goto(f"/products/{slug}")
    page.get_by_label("Quantity").fill(str(quantity))
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("heading", name="Your cart")).to_be_visible()


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_a_shopper_from_catalog_to_tracking(page, screen, screenshot, console_errors):
    size = {"desktop": DESKTOP, "phone": PHONE}[screen]
    page.set_viewport_size(size)

    def look(name: str) -> None:
        assert_fits(page, size["width"])
        screenshot(page, f"shopper-{name}-{size['width']}")

    page.goto("/")
    look("catalog")
    page.goto("/products/gar-barrow")
    look("product")

    add_to_cart(page, "kit-kettle", 1)
    add_to_cart(page, "gar-barrow", 1)
    header = page.locator("header .cart-count")
    expect(header).to_have_text("(2 items)")
    barrow = page.locator(".cart-line", has_text="Steel Wheelbarrow")
    # A choice saves itself as it is made: no Update press.
    barrow.get_by_label(re.compile("Take Pruning Shears instead")).check()
    expect(page.locator(".cart-line", has_text="Steel Wheelbarrow")).to_contain_text(
        "1 × Pruning Shears instead, ships now"
    )
    expect(page.locator("#cart .totals")).to_contain_text("$91.95")  # 59 + 28 + 4.95
    # The header's count follows a quantity changed in place.
    kettle = page.locator(".cart-line", has_text="Copper Kettle")
    kettle.get_by_label("Quantity").fill("3")
    kettle.get_by_role("button", name="Update").click()
    expect(page.locator("#cart .totals")).to_contain_text("$209.95")  # 3 * 59 + 28 + 4.95
    expect(header).to_have_text("(4 items)")
    kettle = page.locator(".cart-line", has_text="Copper Kettle")
    kettle.get_by_label("Quantity").fill("1")
    kettle.get_by_role("button", name="Update").click()
    expect(header).to_have_text("(2 items)")
    look("cart")

    page.get_by_role("link", name="Go to checkout").click()
    shears = page.get_by_label(re.compile("Take Pruning Shears instead"))
    expect(shears).to_be_checked()  # the cart's choice, honoured
    summary = page.locator("#checkout-summary")
    expect(summary).to_contain_text("$91.95")
    # Choosing to wait updates the summary in place: $59 + $149, shipping free for waiting.
    page.get_by_label(re.compile("Wait for them")).check()
    expect(summary.locator(".total")).to_contain_text("$208.00")
    expect(summary).to_contain_text("Free")
    expect(page.locator(".checkout-line", has_text="Steel Wheelbarrow")).to_contain_text(
        "1 on backorder"
    )
    shears.check()
    expect(summary.locator(".total")).to_contain_text("$91.95")

    # A failed submit puts focus on the list of problems, each a link to its field.
    page.get_by_role("button", name="Place order").click()
    errors = page.locator("#error-summary")
    expect(errors).to_be_focused()
    assert console_errors == [  # the browser notes the page's status, 400, as an error
        "Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"
    ]
    console_errors.clear()
    expect(errors.get_by_role("link", name="Enter your name.")).to_have_attribute("href", "#name")
    expect(shears).to_be_checked()
    look("checkout-errors")
    assert_accessible(page)
    errors.get_by_role("link", name="Enter your name.").click()
    expect(page.get_by_label("Full name")).to_be_focused()

    page.get_by_label("Full name").fill("Ada Shopper")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Address", exact=True).fill("1 Main Street")
    page.get_by_label("City").fill("Springfield")
    page.get_by_label("Postcode").fill("12345")
    page.get_by_label("Country").select_option("US")
    page.get_by_label(re.compile("Wait for them")).check()
    expect(summary.locator(".total")).to_contain_text("$208.00")
    page.get_by_role("button", name="Place order").click()

    expect(page.get_by_role("heading", name=re.compile(r"order \d+ is placed"))).to_be_visible()
    expect(page.locator(".totals .total")).to_contain_text("$208.00")  # what the page showed
    expect(page.locator("main")).to_contain_text("Free shipping for waiting")
    expect(page.locator("main")).to_contain_text("Nothing is charged online")
    look("confirmation")
    assert_accessible(page)

    page.get_by_role("link", name=re.compile("track order")).click()
    expect(page.get_by_role("heading", name="Where your order is")).to_be_visible()
    look("tracking")
    page.get_by_role("button", name=re.compile("Cancel waiting Steel Wheelbarrow")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cancel 1 waiting")
    expect(page.locator("main")).to_contain_text("Nothing is charged online")
    look("confirm-cancel")
    page.get_by_role("button", name="Yes, cancel").click()
    expect(page.locator(".flashes")).to_contain_text("Cancelled 1 waiting × Steel Wheelbarrow.")
    look("tracking-after-cancel")

    page.goto("/track")
    look("track")
    assert console_errors == []
