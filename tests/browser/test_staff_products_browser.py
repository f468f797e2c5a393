"""Staff in Chromium: a product's settings with the live finder, and the demand report, at
desktop and phone widths."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from storefront.demo import DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser


@pytest.fixture
def staff_page(page):
    page.goto("/staff/login")
    page.get_by_label("Email").fill(DEMO_STAFF_EMAIL)
    page.get_by_label("Password").fill(DEMO_STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Restock", exact=True)).to_be_visible()
    return page


def assert_fits_a_phone(page) -> None:
    page.set_viewport_size(PHONE)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px phone"


def assert_accessible(page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_settings_page_finds_a_substitute_as_staff_type(staff_page, screenshot, console_errors):
    page = staff_page
    page.goto("/staff/products/KIT-GRINDER")
    expect(page.get_by_role("heading", name="Burr Coffee Grinder KIT-GRINDER")).to_be_visible()
    expect(page.get_by_label("Substitutes")).to_have_value("KIT-SCALE\nKIT-PRESS")
    expect(page.get_by_label("Discount for waiting units (%)")).to_have_value("10")

    url = page.url
    page.get_by_label("Sku or name").press_sequentially("glov", delay=40)
    matches = page.locator("#product-matches")
    expect(matches).to_contain_text("GAR-GLOVES Leather Garden Gloves 80 on hand")
    assert page.url == url  # htmx fetched the matches; the page did not reload
    screenshot(page, "staff-product-settings-desktop")
    assert_accessible(page)

    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".flashes")).to_have_text("Nothing changed.")

    assert_fits_a_phone(page)
    screenshot(page, "staff-product-settings-phone")
    assert console_errors == []


def test_a_refused_setting_is_shown_next_to_its_field(staff_page, screenshot):
    page = staff_page
    page.goto("/staff/products/OUT-TENT")
    page.get_by_label("Backorder limit").fill("-2")
    page.get_by_label("Substitutes").fill("OUT-CHAIR\nOUT-TENT")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Nothing was saved")).to_be_visible()
    expect(page.get_by_label("Backorder limit")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#backorder_limit-error")).to_contain_text("from 0 to 1,000,000")
    expect(page.locator("#substitutes-error")).to_have_text(
        "OUT-TENT cannot be its own substitute."
    )
    assert_accessible(page)
    assert_fits_a_phone(page)
    screenshot(page, "staff-product-settings-errors-phone")


def test_demand_report_with_its_chart_and_csv(staff_page, screenshot, console_errors):
    page = staff_page
    page.goto("/staff/reports/demand")
    chart = page.get_by_role("img", name="Waiting and covered units")
    expect(chart).to_be_visible()
    expect(chart.locator("text").filter(has_text="Cedar Raised Planter")).to_have_count(1)
    table = page.get_by_role("region", name="Demand table")
    expect(table.locator("tbody tr").first).to_contain_text("Cedar Raised Planter")
    screenshot(page, "staff-demand-report-desktop")
    assert_accessible(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report as CSV").click()
    assert download.value.suggested_filename.startswith("demand-")
    lines = download.value.path().read_text().splitlines()
    assert lines[0].startswith("sku,name,on_hand,waiting_units")
    assert len(lines) == 1 + table.locator("tbody tr").count()

    table.get_by_role("link", name="Cedar Raised Planter").click()
    expect(page.get_by_label("Backorder limit")).to_have_value("4")

    page.goto("/staff/reports/demand")
    assert_fits_a_phone(page)
    screenshot(page, "staff-demand-report-phone")
    assert console_errors == []
