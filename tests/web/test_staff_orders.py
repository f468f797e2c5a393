"""Staff fulfilment pages: the orders list, an order, marking it shipped, the packing list."""

import re

import pytest
from flask import url_for
from sqlalchemy import func, insert, select

from storefront.extensions import db
from storefront.models import EventKind, Order, OrderEvent, OrderLine, Parcel
from storefront.services.orders import Contact, Item, cancel_units, place_order
from storefront.services.receiving import receive_stock
from storefront.services.shipments import schedule_shipment
from tests.conftest import counted_queries, days
from tests.web.test_staff import sign_in


@pytest.fixture
def staff(client, staff_user):
    assert sign_in(client).status_code == 302
    return client


def contact(n: int, name: str | None = None) -> Contact:
    return Contact(f"buyer{n}@example.com", name or f"Buyer {n}", "1 Main St", "Town", "1", "US")


def order_of(*items, n: int = 1, name: str | None = None) -> Order:
    order = place_order(contact(n, name), [Item(product.id, units) for product, units in items])
    return fresh(order)


def fresh(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def form_key(html: str) -> str:
    return re.search(r'name="parcel_key" type="hidden" value="([^"]+)"', html).group(1)


def listed_numbers(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<th scope="row"><a href="/staff/orders/(\d+)"', html)]


@pytest.fixture
def split_order(make_product):
    """1 kettle ready to ship now, 2 grinders waiting for a shipment in 5 days."""
    kettle = make_product(name="Kettle", sku="KET-1", on_hand=5)
    grinder = make_product(name="Grinder", sku="GRI-1", on_hand=0)
    schedule_shipment(grinder.id, 4, days(5))
    return order_of((kettle, 1), (grinder, 2), name="Ada Lovelace")


# ---------- every staff page is behind the login ----------


def test_every_staff_route_refuses_anonymous_users(app, client):
    """Walks the URL map, so a staff page added later cannot be forgotten."""
    checked = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/staff/") or rule.endpoint == "staff.login":
            continue
        # "1001" suits every converter: an order number, an id, a sku.
        with app.test_request_context():
            url = url_for(rule.endpoint, **dict.fromkeys(rule.arguments, "1001"))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code in (302, 401), f"{method} {url} is open to anyone"
            if response.status_code == 302:
                assert "/staff/login" in response.headers["Location"], f"{method} {url}"
            checked.append(f"{method} {rule.rule}")
    assert "GET /staff/orders" in checked
    assert "POST /staff/orders/<int:number>/ship" in checked
    assert "GET /staff/orders/<int:number>/packing-list" in checked


# ---------- the orders list ----------


def test_ready_orders_come_first_oldest_first_by_default(staff, make_product):
    stocked = make_product(on_hand=10)
    missing = make_product(on_hand=0)
    first = order_of((stocked, 1), n=1)
    waiting = order_of((missing, 1), n=2)
    second = order_of((stocked, 2), (missing, 1), n=3)
    html = staff.get("/staff/orders").get_data(as_text=True)
    assert listed_numbers(html) == [first.number, second.number]
    assert "Ready to ship: 2 orders." in text_of(html)
    waiting_html = staff.get("/staff/orders?state=waiting").get_data(as_text=True)
    assert listed_numbers(waiting_html) == [waiting.number]


def test_shipped_and_cancelled_orders_have_their_own_filters(staff, make_product):
    stocked = make_product(on_hand=10)
    missing = make_product(on_hand=0)
    shipped = order_of((stocked, 1), n=1)
    staff_ship(staff, shipped)
    cancelled = order_of((missing, 2), n=2)
    cancel_units(cancelled.lines[0].id, waiting=2, order_id=cancelled.id, by="customer")
    assert listed_numbers(staff.get("/staff/orders?state=shipped").get_data(as_text=True)) == [
        shipped.number
    ]
    assert listed_numbers(staff.get("/staff/orders?state=cancelled").get_data(as_text=True)) == [
        cancelled.number
    ]
    assert listed_numbers(staff.get("/staff/orders").get_data(as_text=True)) == []


def test_search_finds_an_order_by_number_email_or_name_in_any_state(staff, make_product):
    missing = make_product(on_hand=0)
    ada = order_of((missing, 1), n=7, name="Ada Lovelace")
    order_of((missing, 1), n=8, name="Grace Hopper")
    for query in (str(ada.number), f"#{ada.number}", "buyer7@", "lovelace"):
        html = staff.get("/staff/orders", query_string={"q": query}).get_data(as_text=True)
        assert listed_numbers(html) == [ada.number], query
    # A search for a wildcard matches it literally, not every order.
    assert listed_numbers(staff.get("/staff/orders?q=%25").get_data(as_text=True)) == []


def test_orders_list_is_paged(staff, make_product):
    stocked = make_product(on_hand=100)
    orders = [order_of((stocked, 1), n=n) for n in range(52)]
    first_page = staff.get("/staff/orders").get_data(as_text=True)
    assert len(listed_numbers(first_page)) == 50
    assert "page 1 of 2" in first_page
    second_page = staff.get("/staff/orders?page=2&state=ready").get_data(as_text=True)
    assert listed_numbers(second_page) == [orders[50].number, orders[51].number]


@pytest.mark.parametrize(
    "query, status",
    [
        ("state=everything", 400),
        ("page=0", 404),
        ("page=99999999999999999999", 404),
        ("q=%00%00", 400),  # refused for the whole shop (storefront.boundary)
        ("q=" + "9" * 40, 200),
        ("q=99999999999", 200),
    ],
)
def test_odd_list_queries_get_a_clear_answer(staff, query, status):
    assert staff.get(f"/staff/orders?{query}").status_code == status


def test_orders_page_runs_the_same_queries_for_24_and_5000_orders(staff, make_product):
    stocked = make_product(on_hand=0)

    def add_ready_orders(count: int) -> None:
        start = db.session.scalar(select(func.coalesce(func.max(Order.id), 0)))
        db.session.execute(
            insert(Order),
            [
                {
                    "id": start + n,
                    "email": f"bulk{start + n}@example.com",
                    "name": f"Bulk {start + n}",
                    "address_line1": "1 St",
                    "city": "T",
                    "postcode": "1",
                    "country": "US",
                    "token": f"bulk-token-{start + n:010d}",
                }
                for n in range(1, count + 1)
            ],
        )
        db.session.execute(
            insert(OrderLine),
            [
                {
                    "order_id": start + n,
                    "product_id": stocked.id,
                    "quantity": 1,
                    "unit_price_cents": 1000,
                    "allocated": 1,
                }
                for n in range(1, count + 1)
            ],
        )
        db.session.commit()

    def queries_for_the_list() -> int:
        with counted_queries() as statements:
            response = staff.get("/staff/orders")
        assert response.status_code == 200
        return len(statements)

    add_ready_orders(24)
    small = queries_for_the_list()
    add_ready_orders(5_000 - 24)
    large = queries_for_the_list()
    assert small == large
    assert small <= 5  # the signed-in user, the count, the page, the units per order


# ---------- one order ----------


def test_order_page_shows_customer_lines_queue_totals_timeline_and_link(staff, split_order):
    html = staff.get(f"/staff/orders/{split_order.number}").get_data(as_text=True)
    text = text_of(html)
    assert "Ada Lovelace" in text and "buyer1@example.com" in text
    assert "1 unit ready to ship." in text
    assert "2 still waiting" in text
    assert re.search(r"Grinder GRI-1 2 0 2 1st in line, ships by", text)
    assert f'<time datetime="{days(7).isoformat()}">' in html
    assert f'href="/orders/{split_order.token}"' in html
    assert "Total" in text and "Order placed" in text
    assert staff.get("/staff/orders/1").status_code == 404
    assert staff.get("/staff/orders/99999999999999999999").status_code == 404


def staff_ship(client, order: Order, **fields):
    """Press "Mark shipped" on the order page as it is now."""
    html = client.get(f"/staff/orders/{order.number}").get_data(as_text=True)
    data = {"parcel_key": form_key(html), **fields}
    return client.post(f"/staff/orders/{order.number}/ship", data=data)


def test_mark_shipped_ships_ready_units_and_waiting_ones_keep_waiting(staff, client, split_order):
    response = staff_ship(staff, split_order, carrier="UPS", tracking_number="1Z 999 AA1")
    assert response.status_code == 303
    lines = {line.product.name: line for line in fresh(split_order).lines}
    assert (lines["Kettle"].shipped, lines["Kettle"].allocated) == (1, 0)
    assert (lines["Grinder"].waiting, lines["Grinder"].shipped) == (2, 0)
    event = db.session.scalar(
        select(OrderEvent).where(
            OrderEvent.order_id == split_order.id, OrderEvent.kind == EventKind.SHIPPED
        )
    )
    assert event.message == (
        "Shipped: 1 × Kettle. Carrier: UPS. Tracking number: 1Z 999 AA1. "
        "Still waiting: 2 × Grinder; it follows in its own parcel."
    )
    tracking = client.get(f"/orders/{split_order.token}").get_data(as_text=True)
    assert "Carrier: UPS, tracking number 1Z 999 AA1" in text_of(tracking)
    assert 'hx-trigger="every 5s"' in tracking  # the grinders are still to come


def test_the_same_form_sent_twice_ships_once(staff, make_product):
    product = make_product(on_hand=1)
    order = order_of((product, 3))
    html = staff.get(f"/staff/orders/{order.number}").get_data(as_text=True)
    data = {"parcel_key": form_key(html), "carrier": "DHL"}
    assert staff.post(f"/staff/orders/{order.number}/ship", data=data).status_code == 303
    receive_stock(product.id, 1)  # another unit is ready, but nobody packed it yet
    again = staff.post(f"/staff/orders/{order.number}/ship", data=data, follow_redirects=True)
    assert "already marked shipped; nothing shipped twice" in again.get_data(as_text=True)
    line = fresh(order).lines[0]
    assert (line.shipped, line.allocated, line.waiting) == (1, 1, 1)
    assert db.session.scalar(select(func.count()).select_from(Parcel)) == 1


def test_a_second_mark_shipped_from_a_stale_page_ships_nothing(staff, split_order):
    html = staff.get(f"/staff/orders/{split_order.number}").get_data(as_text=True)
    staff_ship(staff, split_order)
    response = staff.post(
        f"/staff/orders/{split_order.number}/ship", data={"parcel_key": form_key(html) + "x"}
    )
    assert response.status_code == 400
    assert f"Nothing in order {split_order.number} is ready to ship." in response.get_data(
        as_text=True
    )
    assert sum(line.shipped for line in fresh(split_order).lines) == 1


def test_shipping_the_rest_makes_the_order_final_and_the_tracking_page_stops_polling(
    staff, client, split_order
):
    staff_ship(staff, split_order, carrier="UPS")
    grinder = next(line for line in split_order.lines if line.waiting)
    seen = fresh(split_order).version
    receive_stock(grinder.product_id, 2)
    staff_ship(staff, split_order, carrier="DHL", tracking_number="JD0001")
    order = fresh(split_order)
    assert order.is_final and len(order.parcels) == 2
    fragment = client.get(f"/orders/{order.token}/status?v={seen}").get_data(as_text=True)
    assert "Everything is on its way: 3 items shipped." in fragment
    assert "hx-trigger" not in fragment and "hx-get" not in fragment
    assert "Parcel 2" in fragment and "JD0001" in fragment
    staff_page = text_of(staff.get(f"/staff/orders/{order.number}").get_data(as_text=True))
    assert "Final: everything in this order has shipped or been cancelled." in staff_page
    assert listed_numbers(staff.get("/staff/orders?state=shipped").get_data(as_text=True)) == [
        order.number
    ]


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"tracking_number": "1Z\n99"}, "Tracking number may only contain letters"),
        ({"carrier": "U" * 81}, "Field cannot be longer than 80 characters."),
        ({"parcel_key": ""}, "The form was incomplete or has expired; please try again."),
    ],
)
def test_bad_ship_input_is_refused_with_a_message_and_ships_nothing(
    staff, split_order, fields, message
):
    html = staff.get(f"/staff/orders/{split_order.number}").get_data(as_text=True)
    data = {"parcel_key": form_key(html), **fields}
    response = staff.post(f"/staff/orders/{split_order.number}/ship", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert sum(line.shipped for line in fresh(split_order).lines) == 0


def test_bulk_ship_ships_every_ticked_ready_order(staff, make_product):
    stocked = make_product(on_hand=10)
    missing = make_product(on_hand=0)
    first, second = order_of((stocked, 1), n=1), order_of((stocked, 2), (missing, 1), n=2)
    untouched = order_of((stocked, 1), n=3)
    only_waiting = order_of((missing, 1), n=4)
    html = staff.get("/staff/orders").get_data(as_text=True)
    data = {
        "parcel_key": form_key(html),
        "orders": [first.number, second.number, only_waiting.number],
        "carrier": "Royal Mail",
    }
    response = staff.post("/staff/orders/ship", data=data, follow_redirects=True)
    text = text_of(response.get_data(as_text=True))
    assert f"Shipped 3 unit(s) in 2 order(s): {first.number}, {second.number}." in text
    assert f"Nothing was ready to ship in order(s) {only_waiting.number}" in text
    assert listed_numbers(response.get_data(as_text=True)) == [untouched.number]
    assert [line.waiting for line in fresh(second).lines] == [0, 1]
    repeat = staff.post("/staff/orders/ship", data=data, follow_redirects=True)
    assert "were already marked shipped; nothing shipped twice" in repeat.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Parcel)) == 2


@pytest.mark.parametrize(
    "orders, message",
    [
        ([], "Tick the orders to ship."),
        (["abc"], "could not be coerced"),
        (["99999999999999999999"], "could not be coerced"),
        (["5000"], "There is no order 5000."),
    ],
)
def test_bulk_ship_refuses_bad_choices(staff, make_product, orders, message):
    order_of((make_product(on_hand=1), 1))
    html = staff.get("/staff/orders").get_data(as_text=True)
    data = {"parcel_key": form_key(html), "orders": orders}
    response = staff.post("/staff/orders/ship", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Parcel)) == 0


def test_packing_list_lists_what_to_pack_and_what_follows(staff, split_order):
    response = staff.get(f"/staff/orders/{split_order.number}/packing-list")
    text = text_of(response.get_data(as_text=True))
    assert f"Packing list: order {split_order.number}" in text
    assert "Ship to Ada Lovelace 1 Main St" in text
    assert "KET-1 Kettle 1" in text
    assert "To follow in a later parcel 2 × Grinder (GRI-1)" in text


def test_staff_nav_links_only_to_pages_that_exist(staff, app):
    html = staff.get("/staff/orders").get_data(as_text=True)
    nav = re.search(r'<nav class="staff-nav".*?</nav>', html, re.S).group(0)
    assert '<a href="/staff/orders" aria-current="page">Orders</a>' in nav
    assert 'href="/staff/restock"' in nav
    for path in ("/staff/shipments", "/staff/reports/demand", "/staff/outbox"):
        served = any(rule.rule == path for rule in app.url_map.iter_rules())
        assert (f'href="{path}"' in nav) == served
