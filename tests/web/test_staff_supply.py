"""Staff restock and shipment pages: any catalog size, previews equal to what is done, bad input."""

import re

import pytest
from sqlalchemy import func, insert, select

from storefront.extensions import db
from storefront.models import InboundShipment, OrderEvent, OrderLine, Product, ShipmentStatus
from storefront.services.shipments import schedule_shipment
from tests.conftest import counted_queries, days
from tests.integration.test_order_services import line_of, order_for
from tests.web.test_staff import receipt_key


@pytest.fixture
def signed_in(client, staff_user):
    response = client.post(
        "/staff/login", data={"email": "staff@example.com", "password": "correct horse battery"}
    )
    assert response.status_code == 302
    return client


@pytest.fixture
def waiting(make_product):
    """A kettle with three orders waiting for 2, 2 and 1 units, covered by 5 due in 3 days."""
    kettle = make_product(on_hand=0, name="Kettle", sku="KIT-KETTLE")
    shipment = schedule_shipment(kettle.id, 5, days(3), "PO-7")
    orders = [order_for(kettle, units, n=n) for n, units in enumerate((2, 2, 1), start=1)]
    return kettle, shipment, orders


def text(response) -> str:
    return response.get_data(as_text=True)


def written() -> tuple:
    """Everything a staff action could write, to check that a refusal wrote nothing."""
    db.session.expire_all()
    return (
        db.session.scalar(select(func.count()).select_from(OrderEvent)),
        db.session.scalar(select(func.sum(OrderLine.allocated))),
        tuple(db.session.execute(select(OrderLine.id, OrderLine.promised_on)).all()),
        tuple(
            db.session.execute(
                select(InboundShipment.id, InboundShipment.quantity, InboundShipment.status)
            ).all()
        ),
        db.session.scalar(select(func.sum(Product.on_hand))),
    )


# ---------- the restock page at any size ----------


def add_products(count: int, start: int = 0) -> None:
    db.session.execute(
        insert(Product),
        [
            {
                "sku": f"BULK-{n:05d}",
                "slug": f"bulk-{n:05d}",
                "name": f"Bulk item {n:05d}",
                "price_cents": 500,
                "category": ("Kitchen", "Garden", "Workshop")[n % 3],
                "on_hand": n % 7,
                "low_stock_threshold": 3,
                "waiting_units": 0,
            }
            for n in range(start, start + count)
        ],
    )
    db.session.commit()


def restock_queries(client, url: str) -> int:
    with counted_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


URLS = [
    "/staff/restock",
    "/staff/restock?show=attention&category=Kitchen&q=item&page=2",
    "/staff/shipments?overdue=1&q=bulk",
]


def test_restock_pages_run_the_same_queries_for_24_and_5000_products(signed_in, waiting):
    add_products(23)
    small = [restock_queries(signed_in, url) for url in URLS]
    add_products(5000 - 24, start=23)
    ids = db.session.scalars(select(Product.id).limit(300)).all()
    db.session.execute(
        insert(InboundShipment),
        [{"product_id": id_, "quantity": 3, "expected_on": days(-1)} for id_ in ids],
    )
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Product)) == 5000
    assert [restock_queries(signed_in, url) for url in URLS] == small
    html = text(signed_in.get("/staff/restock"))
    assert "5000 products, page 1 of 100" in html
    assert html.count("<tr>") == 51  # a header and one page of rows, not 5,000


def test_restock_page_filters_by_what_needs_attention(signed_in, waiting, make_product):
    kettle, _, _ = waiting
    make_product(name="Plenty", sku="PLENTY", on_hand=50, low_stock_threshold=5)
    make_product(name="Nearly out", sku="LOW", on_hand=2, low_stock_threshold=5)
    late = make_product(name="Late lamp", sku="LATE", on_hand=40)
    db.session.add(InboundShipment(product_id=late.id, quantity=4, expected_on=days(-2)))
    order_for(kettle, 3, n=9)  # 8 waiting, 5 scheduled: 3 not covered
    db.session.commit()

    def listed(query: str) -> list[str]:
        return re.findall(r'<span class="sku">([A-Z-]+)</span>', text(signed_in.get(query)))

    assert listed("/staff/restock")[0] == "KIT-KETTLE"  # most uncovered first
    assert set(listed("/staff/restock?show=attention")) == {"KIT-KETTLE", "LOW", "LATE"}
    assert listed("/staff/restock?show=uncovered") == ["KIT-KETTLE"]
    assert listed("/staff/restock?show=overdue") == ["LATE"]
    assert set(listed("/staff/restock?show=low")) == {"KIT-KETTLE", "LOW"}
    assert listed("/staff/restock?q=late") == ["LATE"]
    assert listed("/staff/restock?q=kit-k") == ["KIT-KETTLE"]
    html = text(signed_in.get("/staff/restock?show=attention"))
    assert "3 not covered" in html and "1 shipment overdue" in html and "low stock (2 of 5)" in html


@pytest.mark.parametrize(
    "query",
    ["?q=%00%00", "?q=" + "x" * 5000, "?category=%00", "?show=%00", "?show=nonsense", "?page=x"],
)
def test_hostile_filters_get_a_page_not_an_error(signed_in, waiting, query):
    # A NUL character is refused for the whole shop before any view (storefront.boundary).
    expected = 400 if "%00" in query else 200
    assert signed_in.get(f"/staff/restock{query}").status_code == expected
    assert signed_in.get(f"/staff/shipments{query}").status_code == expected


@pytest.mark.parametrize("page", ["0", "99999999999999999999", "-1"])
def test_pages_out_of_range_are_not_found(signed_in, page):
    assert signed_in.get(f"/staff/restock?page={page}").status_code == 404
    assert signed_in.get(f"/staff/shipments?page={page}").status_code == 404


def test_a_product_page_is_reached_by_any_sku(signed_in, make_product):
    make_product(name="Odd one", sku="A/B 7%")
    make_product(name="Named like a route", sku="receive")
    assert "Odd one" in text(signed_in.get("/staff/restock/A/B%207%25"))
    assert "Named like a route" in text(signed_in.get("/staff/restock/receive"))
    assert signed_in.get("/staff/restock/NO-SUCH-SKU").status_code == 404


# ---------- receiving from a product's page, with its preview ----------


def preview(client, product_id, quantity, shipment_id=0, rest=""):
    return client.get(
        "/staff/receipt-preview",
        query_string={
            "receive-product_id": product_id,
            "receive-quantity": quantity,
            "receive-shipment_id": shipment_id,
            "receive-rest_expected_on": rest,
        },
        headers={"HX-Request": "true"},
    )


def test_the_live_preview_is_the_plan_the_receipt_carries_out(signed_in, waiting):
    kettle, shipment, orders = waiting
    before = written()
    shown = preview(signed_in, kettle.id, 3, shipment.id, days(15).isoformat())
    assert shown.status_code == 200 and "<html" not in text(shown)  # a fragment
    assert written() == before
    fills = re.findall(r"Order (\d+) gets (\d) unit", text(shown))
    assert fills == [(str(orders[0].number), "2"), (str(orders[1].number), "1")]
    assert re.search(
        rf'2 orders move from <time datetime="{days(5)}">.*</time> to '
        rf'<time datetime="{days(17)}">',
        text(shown),
    )
    assert "The other 2 stay expected" in text(shown)

    response = signed_in.post(
        "/staff/restock/receive",
        data={
            "receive-product_id": kettle.id,
            "receive-quantity": 3,
            "receive-shipment_id": shipment.id,
            "receive-rest_expected_on": days(15).isoformat(),
            "receive-receipt_key": receipt_key(signed_in, kettle.sku),
        },
        follow_redirects=True,
    )
    assert "2 waiting order(s) filled, 0 to stock on hand. 2 still expected on" in text(response)
    assert [line_of(order).allocated for order in orders] == [2, 1, 0]
    assert [line_of(order).promised_on for order in orders] == [None, days(17), days(17)]


def test_the_preview_button_works_without_javascript(signed_in, waiting):
    kettle, _, orders = waiting
    before = written()
    response = signed_in.post(
        "/staff/restock/receive",
        data={
            "receive-product_id": kettle.id,
            "receive-quantity": 4,
            "receive-shipment_id": 0,
            "receive-receipt_key": receipt_key(signed_in, kettle.sku),
            "preview": "1",
        },
    )
    assert "Preview: nothing saved yet" in text(response)
    assert f"Order {orders[1].number} gets 2 units" in text(response)
    assert written() == before


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("receive-quantity", "0", "Enter a whole number from 1 to 1,000,000."),
        ("receive-quantity", "99999999999999999999", "Enter a whole number from 1 to 1,000,000."),
        ("receive-rest_expected_on", days(-1).isoformat(), "cannot be in the past"),
        ("receive-shipment_id", "99999999999", "Invalid Choice: could not coerce."),
    ],
)
def test_bad_receipts_say_why_and_write_nothing(signed_in, waiting, field, value, message):
    kettle, shipment, _ = waiting
    before = written()
    form = {
        "receive-product_id": kettle.id,
        "receive-quantity": 3,
        "receive-shipment_id": shipment.id,
        "receive-receipt_key": receipt_key(signed_in, kettle.sku),
        field: value,
    }
    posted = signed_in.post("/staff/restock/receive", data=form)
    assert posted.status_code == 400 and message in text(posted)
    live = signed_in.get(
        "/staff/receipt-preview", query_string={k: v for k, v in form.items() if "key" not in k}
    )
    assert live.status_code == 400 and message in text(live)
    assert written() == before


def test_another_products_shipment_is_refused(signed_in, waiting, make_product):
    _kettle, shipment, _ = waiting
    other = make_product(on_hand=0, sku="OTHER")
    before = written()
    live = preview(signed_in, other.id, 3, shipment.id)
    assert live.status_code == 400 and "No such shipment for this product." in text(live)
    posted = signed_in.post(
        "/staff/restock/receive",
        data={
            "receive-product_id": other.id,
            "receive-quantity": 3,
            "receive-shipment_id": shipment.id,
            "receive-receipt_key": receipt_key(signed_in, other.sku),
        },
    )
    assert posted.status_code == 400 and "No such shipment for this product." in text(posted)
    assert written() == before


def test_an_unknown_product_is_not_found(signed_in):
    form = {"receive-product_id": "99999999999999", "receive-quantity": 1}
    assert signed_in.post("/staff/restock/receive", data=form).status_code == 404
    assert (
        signed_in.post("/staff/restock/schedule", data={"schedule-product_id": "x"}).status_code
        == 404
    )


# ---------- the incoming shipments page ----------


def test_shipments_are_listed_soonest_first_with_overdue_marked(signed_in, waiting, make_product):
    lamp = make_product(on_hand=3, name="Lamp")
    db.session.add(InboundShipment(product_id=lamp.id, quantity=4, expected_on=days(-2)))
    db.session.commit()
    html = text(signed_in.get("/staff/shipments"))
    assert html.index("Lamp") < html.index("Kettle")
    assert html.count("overdue</strong>") == 1 and "PO-7" in html
    only_late = text(signed_in.get("/staff/shipments?overdue=1"))
    assert "Lamp" in only_late and "PO-7" not in only_late


def test_a_late_supplier_previewed_then_saved_moves_the_customers(signed_in, waiting):
    _kettle, shipment, orders = waiting
    change = {"edit-quantity": 5, "edit-expected_on": days(15).isoformat()}
    before = written()
    shown = signed_in.post(f"/staff/shipments/{shipment.id}/edit", data={**change, "preview": "1"})
    assert re.search(
        rf'3 orders move from <time datetime="{days(5)}">[^<]+</time> to '
        rf'<time datetime="{days(17)}">',
        text(shown),
    )
    assert written() == before
    done = signed_in.post(
        f"/staff/shipments/{shipment.id}/edit", data=change, follow_redirects=True
    )
    assert "3 waiting order(s) have a new date" in text(done)
    assert [line_of(order).promised_on for order in orders] == [days(17)] * 3


def test_a_shipment_received_in_part_keeps_the_rest_expected(signed_in, waiting):
    _kettle, shipment, orders = waiting
    form = {
        "receive-quantity": 3,
        "receive-rest_expected_on": days(15).isoformat(),
        "receive-receipt_key": "k" * 24,
    }
    shown = signed_in.post(f"/staff/shipments/{shipment.id}/receive", data={**form, "preview": "1"})
    assert "The other 2 stay expected" in text(shown)
    done = signed_in.post(
        f"/staff/shipments/{shipment.id}/receive", data=form, follow_redirects=True
    )
    assert "2 still expected on" in text(done)
    db.session.expire_all()
    rest = db.session.scalars(
        select(InboundShipment).where(InboundShipment.status == ShipmentStatus.SCHEDULED)
    ).one()
    assert (rest.quantity, rest.expected_on) == (2, days(15))
    assert [line_of(order).promised_on for order in orders] == [None, days(17), days(17)]
    again = text(signed_in.get(f"/staff/shipments/{shipment.id}"))
    assert "This shipment is received (3 units arrived)" in again


def test_cancelling_a_shipment_is_previewed_then_done(signed_in, waiting):
    _kettle, shipment, orders = waiting
    shown = signed_in.post(f"/staff/shipments/{shipment.id}/cancel", data={"preview": "1"})
    assert "3 orders move from" in text(shown) and "to date to be confirmed" in text(shown)
    signed_in.post(f"/staff/shipments/{shipment.id}/cancel", data={})
    assert [line_of(order).promised_on for order in orders] == [None] * 3
    again = signed_in.post(f"/staff/shipments/{shipment.id}/cancel", data={}, follow_redirects=True)
    assert "That shipment is already cancelled." in text(again)


@pytest.mark.parametrize(
    "form, message",
    [
        ({"edit-quantity": 5, "edit-expected_on": days(-1).isoformat()}, "cannot be in the past"),
        ({"edit-quantity": 0, "edit-expected_on": days(4).isoformat()}, "from 1 to 1,000,000"),
        ({"edit-quantity": 10**30, "edit-expected_on": days(4).isoformat()}, "from 1 to"),
    ],
)
def test_bad_shipment_changes_say_why_and_write_nothing(signed_in, waiting, form, message):
    _, shipment, _ = waiting
    before = written()
    response = signed_in.post(f"/staff/shipments/{shipment.id}/edit", data=form)
    assert response.status_code == 400 and message in text(response)
    assert written() == before


def test_unknown_shipments_are_not_found(signed_in):
    assert signed_in.get("/staff/shipments/99999999999999999999").status_code == 404
    assert signed_in.post("/staff/shipments/4242/cancel", data={}).status_code == 404


def test_every_staff_page_of_this_part_needs_a_login(client, waiting):
    _, shipment, _ = waiting
    for url in [
        "/staff/restock",
        "/staff/restock/KIT-KETTLE",
        "/staff/receipt-preview?receive-product_id=1&receive-quantity=1",
        "/staff/shipments",
        f"/staff/shipments/{shipment.id}",
    ]:
        assert "/staff/login" in client.get(url).headers["Location"], url
    for url in ["edit", "cancel", "receive"]:
        response = client.post(f"/staff/shipments/{shipment.id}/{url}", data={})
        assert "/staff/login" in response.headers["Location"], url
    assert [order.promised_on for order in db.session.scalars(select(OrderLine))] == [days(5)] * 3
