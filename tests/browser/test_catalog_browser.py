"""The catalog in a real browser: badges in words, filters, a backorder's promise, accessibility."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def card(page, name: str):
    return page.locator(".card").filter(has=page.get_by_role("heading", name=name, exact=True))


def test_every_stock_state_shows_its_words_and_its_own_colour(page, console_errors, screenshot):
    page.goto("/")
    expected = {
        "Copper Kettle": "In stock",
        "French Press": "Only 3 left",
        "Two-Person Tent": "Backorder — date to be confirmed",
        "Chef's Knife": "Sold out",
    }
    for name, words in expected.items():
        expect(card(page, name).locator(".badge")).to_have_text(words)
        expect(card(page, name).locator(".badge")).to_be_visible()

    dated = card(page, "Burr Coffee Grinder").locator(".badge")
    expect(dated).to_be_visible()
    expect(dated).to_have_text(re.compile(r"^Backorder — 1 ships by \w{3} \d{1,2} \w{3} \d{4}$"))
    promised = dated.locator("time").get_attribute("datetime")
    assert ISO_DATE.match(promised) and date.fromisoformat(promised) > date.today()
    expect(card(page, "Burr Coffee Grinder").locator(".incentive")).to_have_text(
        "10% off if you wait"
    )

    colours = {
        state: page.locator(f".badge-{state}").first.evaluate(
            "badge => getComputedStyle(badge).backgroundColor"
        )
        for state in ("in-stock", "low-stock", "backorder", "backorder-tbc", "sold-out")
    }
    assert len(set(colours.values())) == 5, colours
    screenshot(page, "catalog-desktop")
    assert console_errors == []


def test_grid_is_one_column_on_a_phone_and_four_on_a_desktop(page, screenshot):
    page.goto("/")
    lefts = {box["x"] for box in (c.bounding_box() for c in page.locator(".grid > .card").all())}
    assert len(lefts) == 4
    page.set_viewport_size(PHONE)
    lefts = {box["x"] for box in (c.bounding_box() for c in page.locator(".grid > .card").all())}
    assert len(lefts) == 1
    screenshot(page, "catalog-phone")


def test_filter_by_category_through_the_form(page):
    page.goto("/")
    page.get_by_label("Category").select_option("Kitchen")
    page.get_by_role("button", name="Show products").click()
    expect(page).to_have_url(re.compile(r"[?&]category=Kitchen(&|$)"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Kitchen")
    expect(page.locator(".result-count")).to_have_text("6 products")
    expect(card(page, "Copper Kettle")).to_be_visible()
    expect(card(page, "Cordless Drill")).to_have_count(0)


def test_backordered_product_shows_its_date_and_what_ships_now_instead(page, screenshot):
    page.goto("/?category=Kitchen")
    page.get_by_role("link", name="Burr Coffee Grinder").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Burr Coffee Grinder")

    badge_date = page.locator(".product-info > .badge time").get_attribute("datetime")
    assert ISO_DATE.match(badge_date)
    note = page.locator(".promise-note")
    expect(note).to_contain_text("Order 1 today and it ships by")
    expect(note.locator("time")).to_have_attribute("datetime", badge_date)
    expect(note.locator(".incentive")).to_contain_text("10% off")

    substitutes = page.get_by_role("region", name="In stock now instead")
    expect(substitutes.locator(".card-title")).to_have_text(["Pour-over Scale", "French Press"])
    expect(substitutes.locator(".badge").first).to_have_text("In stock")

    image, info = page.locator(".product-image"), page.locator(".product-info")
    assert info.bounding_box()["x"] > image.bounding_box()["x"], "side by side on a desktop"
    screenshot(page, "product-backorder-desktop")
    page.set_viewport_size(PHONE)
    image_box, info_box = image.bounding_box(), info.bounding_box()
    assert info_box["y"] >= image_box["y"] + image_box["height"], "stacked on a phone"
    screenshot(page, "product-backorder-phone")


def test_skip_link_appears_on_first_tab(page):
    page.goto("/")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).not_to_be_in_viewport()
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()


@pytest.mark.parametrize(
    "path", ["/", "/products/kit-grinder", "/products/kit-knife", "/no-such-page"]
)
def test_no_accessibility_violations(page, path):
    from axe_playwright_python.sync_playwright import Axe

    page.goto(path)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
