"""PROMISE_BUFFER=learned: dates padded with the supplier's recent lateness, shown to staff
and explained to shoppers; the default promises plain queue dates."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from storefront.models.types import shop_clock
from storefront.services.orders import Contact, Item, place_order
from storefront.services.receiving import receive_stock
from storefront.services.shipments import schedule_shipment
from storefront.services.suppliers import supplier_lateness

START = date(2031, 3, 3)
CONTACT = Contact("pat@example.com", "Pat", "1 Road", "Town", "1", "US")


def on(day: date):
    return shop_clock(lambda: datetime.combine(day, time(9), UTC))


def day(n: int) -> date:
    return START + timedelta(days=n)


def deliver(product, expected_on: date, days_late: int):
    with on(expected_on - timedelta(days=10)):
        shipment = schedule_shipment(product.id, 5, expected_on)
    with on(expected_on + timedelta(days=days_late)):
        receive_stock(product.id, 5, shipment.id)
    return shipment


@pytest.fixture
def late_supplier(make_product):
    """Acme's last three deliveries: 3 days late, on time, 3 days late."""
    delivered = make_product(supplier="Acme")
    for n, days_late in enumerate((3, 0, 3)):
        deliver(delivered, day(7 * n), days_late)
    waiting_for = make_product(supplier="Acme", on_hand=0)
    with on(day(30)):
        schedule_shipment(waiting_for.id, 10, day(60))
    return waiting_for


def test_shipments_record_their_supplier_and_its_lateness_is_learned(app, late_supplier):
    lateness = supplier_lateness()["Acme"]
    assert lateness.days_late == (3, 0, 3)  # newest first
    assert lateness.mean_days_late == 2
    assert lateness.buffer_days == 3
    assert {s.supplier for s in late_supplier.shipments} == {"Acme"}


def test_by_default_dates_are_not_padded(app, late_supplier, client):
    with on(day(40)):
        order = place_order(CONTACT, [Item(late_supplier.id, 2)])
    assert order.lines[0].promised_on == day(60) + timedelta(days=2)
    assert "extra day" not in client.get(f"/products/{late_supplier.slug}").get_data(as_text=True)


class TestLearned:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "PROMISE_BUFFER": "learned"}

    def test_new_orders_are_promised_the_date_plus_the_suppliers_buffer(self, app, late_supplier):
        with on(day(40)):
            order = place_order(CONTACT, [Item(late_supplier.id, 2)])
        assert order.lines[0].promised_on == day(60) + timedelta(days=3 + 2)
        assert late_supplier.next_promise_on == day(65)

    def test_the_product_page_says_why_in_words(self, app, late_supplier, client):
        page = client.get(f"/products/{late_supplier.slug}").get_data(as_text=True)
        assert f'<time datetime="{day(65).isoformat()}">' in page
        assert "allows 3 extra days" in page
        assert "nine in ten of its recent deliveries arrived within 3 days" in page

    def test_staff_see_each_suppliers_lateness_and_buffer(
        self, app, late_supplier, client, staff_user
    ):
        assert client.get("/staff/suppliers").status_code == 302  # behind the login
        client.post(
            "/staff/login", data={"email": staff_user.email, "password": "correct horse battery"}
        )
        page = client.get("/staff/suppliers").get_data(as_text=True)
        assert "Promise dates include each supplier's buffer" in page
        assert "Delivers 2.0 days late on average" in page
        assert "3 days, added to dates" in page


def test_an_unknown_setting_is_refused():
    from storefront import create_app

    with pytest.raises(ValueError, match="PROMISE_BUFFER"):
        create_app({"PROMISE_BUFFER": "always", "SECRET_KEY": "x"})
