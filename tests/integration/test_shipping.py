"""Shipping an order: from the command line as from the page, and twice at once."""

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from storefront.extensions import db
from storefront.models import EventKind, Order, OrderEvent, OrderLine, Parcel
from storefront.services import InvalidRequest
from storefront.services.orders import Contact, Item, place_order
from storefront.services.shipping import ship_order
from tests.web.test_staff import sign_in
from tests.web.test_staff_orders import form_key


def contact(n: int) -> Contact:
    return Contact(f"ship{n}@example.com", f"Ship {n}", "1 Main St", "Town", "1", "US")


def outcome(order_id: int) -> tuple:
    """What a shipment leaves behind: the lines' units, the parcels, the timeline's words."""
    db.session.expire_all()
    lines = db.session.scalars(
        select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.id)
    )
    parcels = db.session.scalars(select(Parcel).where(Parcel.order_id == order_id))
    shipped = db.session.scalars(
        select(OrderEvent.message).where(
            OrderEvent.order_id == order_id, OrderEvent.kind == EventKind.SHIPPED
        )
    )
    return (
        [(line.allocated, line.waiting, line.shipped) for line in lines],
        [(p.carrier, p.tracking_number, [item.units for item in p.items]) for p in parcels],
        list(shipped),
    )


def split_order(make_product, n: int) -> Order:
    ready = make_product(name=f"Lamp {n}", on_hand=5)
    waiting = make_product(name=f"Desk {n}", on_hand=0)
    return place_order(contact(n), [Item(ready.id, 2), Item(waiting.id, 1)])


def test_the_command_and_the_page_ship_the_same_way(app, client, runner, make_product, staff_user):
    by_command = split_order(make_product, 1)
    by_page = split_order(make_product, 2)

    result = runner.invoke(
        args=["ship", str(by_command.number), "--carrier", "UPS", "--tracking", "1Z9"]
    )
    assert result.exit_code == 0, result.output
    assert f"Order {by_command.number} shipped: 2 × Lamp 1." in result.output

    sign_in(client)
    html = client.get(f"/staff/orders/{by_page.number}").get_data(as_text=True)
    data = {"parcel_key": form_key(html), "carrier": "UPS", "tracking_number": "1Z9"}
    assert client.post(f"/staff/orders/{by_page.number}/ship", data=data).status_code == 303

    command_result, page_result = outcome(by_command.id), outcome(by_page.id)
    assert (
        command_result[:2]
        == page_result[:2]
        == (
            [(0, 0, 2), (0, 1, 0)],
            [("UPS", "1Z9", [2])],
        )
    )
    assert command_result[2] == [
        "Shipped: 2 × Lamp 1. Carrier: UPS. Tracking number: 1Z9. "
        "Still waiting: 1 × Desk 1; it follows in its own parcel."
    ]
    assert page_result[2] == [
        command_result[2][0].replace("Lamp 1", "Lamp 2").replace("Desk 1", "Desk 2")
    ]

    again = runner.invoke(args=["ship", str(by_command.number)])
    assert again.exit_code == 1
    assert f"Nothing in order {by_command.number} is ready to ship." in again.output
    missing = runner.invoke(args=["ship", "999999"])
    assert missing.exit_code == 1 and "There is no order 999999." in missing.output


def test_two_staff_shipping_one_order_at_once_ship_it_once(app, make_product):
    order_id = split_order(make_product, 3).id
    barrier = threading.Barrier(2)

    def ship(carrier: str) -> str:
        with app.app_context():
            barrier.wait()
            try:
                ship_order(order_id, carrier=carrier)
                return "shipped"
            except InvalidRequest as error:
                return str(error)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(ship, ["UPS", "DHL"]))

    number = Order.number_for_id(order_id)
    assert outcomes == [f"Nothing in order {number} is ready to ship.", "shipped"]
    db.session.rollback()  # end the read snapshot taken before the threads wrote
    assert db.session.scalar(select(func.count()).select_from(Parcel)) == 1
    assert outcome(order_id)[0] == [(0, 0, 2), (0, 1, 0)]


def test_the_same_form_sent_twice_at_once_ships_once(app, make_product):
    order_id = split_order(make_product, 4).id
    barrier = threading.Barrier(2)

    def ship(_n: int) -> str:
        with app.app_context():
            barrier.wait()
            try:
                ship_order(order_id, parcel_key="k" * 24)
                return "shipped"
            except InvalidRequest as error:
                return type(error).__name__
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(ship, range(2)))

    assert outcomes == ["AlreadyShipped", "shipped"]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Parcel)) == 1
