"""The shop's day and clock follow SHOP_TIMEZONE: "today" for promises and for scheduling,
and the times on timelines, which say which zone they are in."""

import re
from datetime import UTC, date, datetime

import pytest

from storefront import create_app
from storefront.models import types
from storefront.services.inventory import quote_product
from storefront.services.orders import Contact, Item, place_order
from storefront.services.shipments import schedule_shipment

# 20:30 on 1 March in UTC is already 2 March on Kiritimati (UTC+14).
EVENING_IN_UTC = datetime(2026, 3, 1, 20, 30, tzinfo=UTC)


@pytest.fixture
def evening_in_utc(monkeypatch):
    monkeypatch.setattr(types, "utcnow", lambda: EVENING_IN_UTC)


def test_today_is_the_shops_calendar_day(app, evening_in_utc):
    assert types.today() == date(2026, 3, 1)
    app.config["SHOP_TIMEZONE"] = "Pacific/Kiritimati"
    assert types.today() == date(2026, 3, 2)


def test_a_promise_counts_from_the_shops_today(app, make_product, evening_in_utc):
    product = make_product(on_hand=0)
    schedule_shipment(product.id, 5, date(2026, 3, 1))  # due today, as UTC counts
    assert quote_product(product, 1).promised_on == date(2026, 3, 3)  # + 2 handling days
    app.config["SHOP_TIMEZONE"] = "Pacific/Kiritimati"  # where 1 March has passed
    assert quote_product(product, 1).promised_on == date(2026, 3, 4)


def test_staff_cannot_schedule_for_a_day_that_has_passed_in_the_shop(
    app, client, staff_user, make_product, evening_in_utc
):
    app.config["SHOP_TIMEZONE"] = "Pacific/Kiritimati"
    product = make_product(on_hand=0)
    client.post(
        "/staff/login", data={"email": staff_user.email, "password": "correct horse battery"}
    )
    response = client.post(
        "/staff/restock/schedule",
        data={
            "schedule-product_id": product.id,
            "schedule-quantity": 3,
            "schedule-expected_on": "2026-03-01",  # still today in UTC, yesterday on Kiritimati
        },
    )
    assert response.status_code == 400
    assert "cannot be in the past" in response.get_data(as_text=True)


def test_the_timeline_shows_the_shops_clock_and_names_its_zone(app, client, make_product):
    app.config["SHOP_TIMEZONE"] = "Asia/Kolkata"  # UTC+05:30 all year
    product = make_product(on_hand=3)
    order = place_order(
        Contact("a@example.com", "A", "1 St", "T", "1", "US"), [Item(product.id, 1)]
    )
    placed_at = order.events[0].created_at.astimezone(UTC)
    html = client.get(f"/orders/{order.token}").get_data(as_text=True)
    stamp = re.search(
        r'<time datetime="([^"]+)">([^<]+)</time>\s*<span class="timeline-message">', html
    )
    assert stamp is not None, html
    assert datetime.fromisoformat(stamp.group(1)) == placed_at.replace(microsecond=0)
    assert stamp.group(1).endswith("+05:30")
    local = placed_at.astimezone(types.ZoneInfo("Asia/Kolkata"))
    assert stamp.group(2).endswith(f"{local:%H:%M} IST")
    assert "UTC" not in stamp.group(2)


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "../../etc/passwd", "", 5])
def test_an_unknown_time_zone_stops_the_shop_from_starting(tmp_path, zone):
    with pytest.raises(ValueError, match="is not a known time zone"):
        create_app(
            {
                "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/tz.sqlite3",
                "SHOP_TIMEZONE": zone,
            }
        )
