"""Place, receive, cancel, substitute and ship through the services, on every database."""

import pytest
from sqlalchemy import select

from storefront.extensions import db
from storefront.models import EventKind, InboundShipment, Order, OrderLine, Product, ShipmentStatus
from storefront.services import InvalidRequest, NotFound
from storefront.services.orders import (
    Contact,
    Item,
    OrderRefused,
    cancel_units,
    place_order,
    substitute_units,
)
from storefront.services.receiving import preview_receipt, receive_stock
from storefront.services.shipments import cancel_shipment, edit_shipment, schedule_shipment
from storefront.services.shipping import ship_order
from tests.conftest import days


def contact(n: int = 1) -> Contact:
    return Contact(f"buyer{n}@example.com", f"Buyer {n}", "1 Main St", "Town", "12345", "US")


def order_for(product: Product, quantity: int, n: int = 1, **item) -> Order:
    return place_order(contact(n), [Item(product.id, quantity, **item)])


def line_of(order: Order) -> OrderLine:
    db.session.expire_all()
    return db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)).first()


def kinds(order: Order) -> list[EventKind]:
    db.session.expire_all()
    return [event.kind for event in db.session.get(Order, order.id).events]


def test_in_stock_order_is_allocated_and_locks_the_price(make_product):
    product = make_product(on_hand=5, price_cents=1250)
    order = order_for(product, 3)
    line = line_of(order)
    assert (line.allocated, line.waiting, line.unit_price_cents) == (3, 0, 1250)
    assert db.session.get(Product, product.id).on_hand == 2
    assert order.total_cents == 3 * 1250 + 495
    assert order.number == order.id + 1000
    assert len(order.token) >= 22


def test_order_beyond_stock_waits_with_the_date_of_the_covering_shipment(make_product):
    product = make_product(on_hand=1, backorder_discount_pct=10)
    schedule_shipment(product.id, 2, days(5))
    order = order_for(product, 3)
    line = line_of(order)
    assert (line.allocated, line.waiting, line.backordered_units) == (1, 2, 2)
    assert line.promised_on == days(7)  # expected date plus two handling days
    assert order.discount_cents == 2 * 1000 * 10 // 100
    assert kinds(order) == [EventKind.BACKORDERED, EventKind.PLACED]


def test_refused_order_writes_nothing(make_product):
    product = make_product(on_hand=1, allow_backorders=False)
    with pytest.raises(OrderRefused) as refused:
        order_for(product, 2)
    assert "Only 1 of " in str(refused.value) and "can be ordered" in str(refused.value)
    assert db.session.scalar(select(Order)) is None
    assert db.session.get(Product, product.id).on_hand == 1


def test_backorder_limit_counts_every_waiting_unit(make_product):
    product = make_product(on_hand=0, backorder_limit=3)
    order_for(product, 2, n=1)
    with pytest.raises(OrderRefused, match=r"Only 1 more of .* can be backordered"):
        order_for(product, 2, n=2)
    order_for(product, 1, n=3)
    assert db.session.get(Product, product.id).waiting_units == 3


def test_receipt_fills_oldest_orders_first_and_dates_the_rest(make_product):
    product = make_product(on_hand=0)
    first, second, third = (order_for(product, 2, n=n) for n in (1, 2, 3))
    schedule_shipment(product.id, 10, days(10))
    result = receive_stock(product.id, 3)
    assert [(f.order_number, f.units) for f in result.filled] == [
        (first.number, 2),
        (second.number, 1),
    ]
    assert (line_of(first).allocated, line_of(second).allocated) == (2, 1)
    assert line_of(second).waiting == 1
    assert line_of(third).waiting == 2
    assert line_of(third).promised_on == days(12)
    assert EventKind.ALLOCATED in kinds(first)


def test_preview_equals_the_receipt_and_writes_nothing(make_product):
    product = make_product(on_hand=0)
    for n in range(4):
        order_for(product, 2, n=n)
    preview = preview_receipt(product.id, 5)
    assert db.session.get(Product, product.id).waiting_units == 8
    assert preview == receive_stock(product.id, 5)


def test_receiving_a_scheduled_shipment_takes_it_off_the_schedule(make_product):
    product = make_product(on_hand=0)
    shipment = schedule_shipment(product.id, 4, days(3))
    later = schedule_shipment(product.id, 4, days(20))
    waiting = order_for(product, 6)
    receive_stock(product.id, 4, shipment_id=shipment.id)
    db.session.expire_all()
    assert db.session.get(InboundShipment, shipment.id).status is ShipmentStatus.RECEIVED
    assert line_of(waiting).promised_on == later.expected_on + (days(2) - days(0))
    with pytest.raises(InvalidRequest, match="already received"):
        receive_stock(product.id, 4, shipment_id=shipment.id)


def test_rescheduling_a_shipment_moves_dates_and_tells_the_customer(make_product):
    product = make_product(on_hand=0)
    shipment = schedule_shipment(product.id, 5, days(10))
    order = order_for(product, 2)
    edit_shipment(shipment.id, 5, days(4))
    assert line_of(order).promised_on == days(6)
    cancel_shipment(shipment.id)
    assert line_of(order).promised_on is None
    assert kinds(order)[:2] == [EventKind.DATE_CHANGED, EventKind.DATE_CHANGED]
    assert db.session.get(Product, product.id).next_promise_on is None


def test_cancelling_waiting_units_moves_the_queue_up(make_product):
    product = make_product(on_hand=0)
    schedule_shipment(product.id, 2, days(5))
    schedule_shipment(product.id, 2, days(15))
    first, second = order_for(product, 2, n=1), order_for(product, 2, n=2)
    assert line_of(second).promised_on == days(17)
    cancel_units(line_of(first).id, waiting=2, order_id=first.id)
    assert line_of(first).cancelled == 2
    assert line_of(second).promised_on == days(7)
    assert EventKind.DATE_CHANGED in kinds(second)
    assert db.session.get(Order, first.id).discount_cents == 0


def test_cancelling_allocated_units_fills_the_next_waiting_order(make_product):
    product = make_product(on_hand=2)
    first, second = order_for(product, 2, n=1), order_for(product, 1, n=2)
    cancel_units(line_of(first).id, allocated=2, by="shop")
    assert (line_of(second).allocated, line_of(second).waiting) == (1, 0)
    assert db.session.get(Product, product.id).on_hand == 1


def test_cancel_more_than_waiting_is_refused(make_product):
    product = make_product(on_hand=0)
    order = order_for(product, 2)
    with pytest.raises(InvalidRequest, match="Only 2 waiting"):
        cancel_units(line_of(order).id, waiting=3)
    with pytest.raises(NotFound):
        cancel_units(line_of(order).id, waiting=1, order_id=order.id + 1)


def test_switching_to_a_substitute_charges_the_lower_price(make_product):
    cheaper = make_product(on_hand=5, price_cents=800)
    product = make_product(on_hand=0, price_cents=1000, substitutes=[cheaper])
    behind_product = order_for(product, 1, n=1)
    behind = order_for(product, 1, n=2)
    schedule_shipment(product.id, 1, days(4))
    assert line_of(behind).promised_on is None
    new_line = substitute_units(line_of(behind_product).id, cheaper.id)
    assert (new_line.product_id, new_line.allocated, new_line.unit_price_cents) == (
        cheaper.id,
        1,
        800,
    )
    assert line_of(behind).promised_on == days(6)
    assert db.session.get(Product, cheaper.id).on_hand == 4


def test_substitute_must_be_offered_and_in_stock(make_product):
    stranger = make_product(on_hand=5)
    empty = make_product(on_hand=0)
    product = make_product(on_hand=0, substitutes=[empty])
    order = order_for(product, 2)
    with pytest.raises(InvalidRequest, match="not offered"):
        substitute_units(line_of(order).id, stranger.id)
    with pytest.raises(InvalidRequest, match="only 0 in stock"):
        substitute_units(line_of(order).id, empty.id)
    assert line_of(order).waiting == 2


def test_choosing_a_substitute_at_checkout_keeps_the_units_that_ship_now(make_product):
    alternative = make_product(on_hand=5, price_cents=1500)
    product = make_product(on_hand=1, price_cents=1000, substitutes=[alternative])
    order = order_for(product, 3, substitute_id=alternative.id)
    db.session.expire_all()
    lines = {line.product_id: line for line in db.session.get(Order, order.id).lines}
    assert (lines[product.id].allocated, lines[product.id].waiting) == (1, 0)
    assert (lines[alternative.id].allocated, lines[alternative.id].unit_price_cents) == (2, 1000)


def test_dropping_the_waiting_units_places_only_what_ships_now(make_product):
    product = make_product(on_hand=1)
    order = order_for(product, 3, drop_waiting=True)
    assert (line_of(order).quantity, line_of(order).waiting) == (1, 0)


def test_shipping_moves_allocated_units_to_shipped(make_product):
    product = make_product(on_hand=1)
    order = order_for(product, 2)
    ship_order(order.id)
    line = line_of(order)
    assert (line.shipped, line.allocated, line.waiting) == (1, 0, 1)
    with pytest.raises(InvalidRequest, match=r"Nothing in order \d+ is ready to ship"):
        ship_order(order.id)


def test_every_change_bumps_the_order_version(make_product):
    product = make_product(on_hand=0)
    order = order_for(product, 1)
    before = order.version
    receive_stock(product.id, 1)
    db.session.expire_all()
    assert db.session.get(Order, order.id).version > before


def test_same_checkout_key_gives_one_order(make_product):
    product = make_product(on_hand=5)
    orders = {
        place_order(contact(), [Item(product.id, 1)], checkout_key="k-1").id for _ in range(3)
    }
    assert len(orders) == 1
    assert db.session.get(Product, product.id).on_hand == 4


def test_returning_customers_only_refuses_backorders_from_new_emails(app, make_product):
    app.config["BACKORDERS_RETURNING_CUSTOMERS_ONLY"] = True
    product = make_product(on_hand=1)
    with pytest.raises(OrderRefused, match="returning customers"):
        order_for(product, 2)
    first = order_for(product, 1, n=7)
    ship_order(first.id)
    assert line_of(order_for(product, 1, n=7)).waiting == 1


def test_bad_quantities_are_refused(make_product):
    product = make_product(on_hand=5)
    for quantity in (0, -1, 1000):
        with pytest.raises(InvalidRequest):
            order_for(product, quantity)
    with pytest.raises(InvalidRequest):
        receive_stock(product.id, 0)
    with pytest.raises(NotFound):
        receive_stock(product.id + 99, 1)


def test_cancelled_units_that_had_waited_lose_their_discount(make_product):
    product = make_product(on_hand=0, price_cents=1000, backorder_discount_pct=10)
    order = order_for(product, 2)
    receive_stock(product.id, 2)  # both waited, both now reserved
    cancel_units(line_of(order).id, allocated=1, by="shop")
    db.session.expire_all()
    stored = db.session.get(Order, order.id)
    assert (stored.subtotal_cents, stored.discount_cents) == (1000, 100)


def test_overdue_shipment_dates_from_today_and_the_daily_refresh_catches_up(make_product):
    from storefront.models import InboundShipment
    from storefront.services.shipments import refresh_all_promises

    product = make_product(on_hand=0)
    db.session.add(InboundShipment(product_id=product.id, quantity=5, expected_on=days(-3)))
    db.session.commit()
    order = order_for(product, 2)
    assert line_of(order).promised_on == days(2)  # not days(-1): that has passed
    # A date stored on an earlier day goes stale; the daily refresh re-dates it.
    line = line_of(order)
    line.promised_on = days(-1)
    db.session.commit()
    assert refresh_all_promises() == 1
    assert line_of(order).promised_on == days(2)
    assert kinds(order)[0] is EventKind.DATE_CHANGED


def test_orders_behind_a_cancellation_get_a_new_version_even_without_new_dates(make_product):
    product = make_product(on_hand=0)
    first, second = order_for(product, 1, n=1), order_for(product, 1, n=2)
    db.session.expire_all()
    before = db.session.get(Order, second.id).version
    cancel_units(line_of(first).id, waiting=1)  # no shipment: no date changes, but 2nd -> 1st
    db.session.expire_all()
    assert db.session.get(Order, second.id).version > before


def test_the_same_delivery_recorded_twice_counts_once(make_product):
    from storefront.models import StockReceipt
    from storefront.services.receiving import AlreadyRecorded

    product = make_product(on_hand=0)
    receive_stock(product.id, 4, receipt_key="form-1")
    with pytest.raises(AlreadyRecorded, match="already recorded"):
        receive_stock(product.id, 4, receipt_key="form-1")
    db.session.expire_all()
    assert db.session.get(Product, product.id).on_hand == 4
    receipt = db.session.scalar(select(StockReceipt))
    assert (receipt.quantity, receipt.to_on_hand, receipt.orders_filled) == (4, 4, 0)
