"""Late, short, cancelled and partly arrived shipments move waiting customers, on every database."""

import pytest
from sqlalchemy import func, select

from storefront.extensions import db
from storefront.models import EventKind, InboundShipment, Order, OrderEvent, ShipmentStatus
from storefront.services import InvalidRequest, NotFound
from storefront.services.receiving import ShipmentLeft, preview_receipt, receive_stock
from storefront.services.shipments import (
    DateMove,
    ScheduleEffect,
    cancel_shipment,
    edit_shipment,
    preview_shipment_cancel,
    preview_shipment_edit,
    schedule_shipment,
)
from tests.conftest import days
from tests.integration.test_order_services import line_of, order_for


@pytest.fixture
def queue(make_product):
    """Three orders waiting for 2, 2 and 1 units, all covered by 5 units expected in 3 days."""
    product = make_product(on_hand=0, name="Kettle")
    shipment = schedule_shipment(product.id, 5, days(3), "PO-7")
    orders = [order_for(product, units, n=n) for n, units in enumerate((2, 2, 1), start=1)]
    assert [line_of(order).promised_on for order in orders] == [days(5)] * 3
    return product, shipment, orders


def dates(orders: list[Order]):
    return [line_of(order).promised_on for order in orders]


def last_event(order: Order) -> OrderEvent:
    return db.session.scalars(
        select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id.desc())
    ).first()


def event_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OrderEvent))


def test_a_late_supplier_moves_every_customer_it_covers(queue):
    product, shipment, orders = queue
    versions = [order.version for order in orders]
    preview = preview_shipment_edit(shipment.id, 5, days(15))
    assert preview == ScheduleEffect(product.sku, (DateMove(3, days(5), days(17)),))
    assert dates(orders) == [days(5)] * 3  # the preview wrote nothing

    assert edit_shipment(shipment.id, 5, days(15)) == preview
    assert dates(orders) == [days(17)] * 3
    for order, version in zip(orders, versions, strict=True):
        event = last_event(order)
        assert event.kind is EventKind.DATE_CHANGED and event.promised_on == days(17)
        assert "moved later" in event.message
        assert db.session.get(Order, order.id).version > version


def test_a_smaller_shipment_leaves_later_customers_to_the_next_one(queue):
    product, shipment, orders = queue
    schedule_shipment(product.id, 2, days(20))
    preview = preview_shipment_edit(shipment.id, 3, days(3))
    assert preview.moves == (DateMove(2, days(5), days(22)),)
    assert edit_shipment(shipment.id, 3, days(3)) == preview
    assert dates(orders) == [days(5), days(22), days(22)]
    assert last_event(orders[0]).kind is EventKind.BACKORDERED  # not told of a non-change


def test_cancelling_a_shipment_dates_customers_by_what_is_left(queue):
    product, shipment, orders = queue
    schedule_shipment(product.id, 2, days(20))
    preview = preview_shipment_cancel(shipment.id)
    assert preview.moves == (DateMove(1, days(5), days(22)), DateMove(2, days(5), None))
    assert cancel_shipment(shipment.id) == preview
    assert dates(orders) == [days(22), None, None]
    assert "to be confirmed again" in last_event(orders[2]).message
    db.session.expire_all()
    assert db.session.get(InboundShipment, shipment.id).status is ShipmentStatus.CANCELLED


def test_a_partial_arrival_keeps_the_rest_expected_on_the_date_given(queue):
    product, shipment, orders = queue
    preview = preview_receipt(product.id, 3, shipment.id, rest_expected_on=days(15))
    assert [(f.order_number, f.units) for f in preview.filled] == [
        (orders[0].number, 2),
        (orders[1].number, 1),
    ]
    assert preview.moves == (DateMove(2, days(5), days(17)),)
    assert preview.shipment_left == ShipmentLeft(2, days(15))
    assert dates(orders) == [days(5)] * 3

    assert receive_stock(product.id, 3, shipment.id, rest_expected_on=days(15)) == preview
    assert dates(orders) == [None, days(17), days(17)]  # the first order is ready
    assert line_of(orders[1]).allocated == 1
    assert "The rest still waits (ships by" in last_event(orders[1]).message
    assert last_event(orders[2]).kind is EventKind.DATE_CHANGED
    db.session.expire_all()
    done = db.session.get(InboundShipment, shipment.id)
    assert (done.status, done.received_quantity) == (ShipmentStatus.RECEIVED, 3)
    rest = db.session.scalars(
        select(InboundShipment).where(InboundShipment.status == ShipmentStatus.SCHEDULED)
    ).one()
    assert (rest.quantity, rest.expected_on, rest.reference) == (2, days(15), "PO-7")


def test_a_short_delivery_without_a_date_closes_the_shipment(queue):
    product, shipment, orders = queue
    preview = preview_receipt(product.id, 3, shipment.id)
    assert preview.shipment_left == ShipmentLeft(2, None)
    assert preview.moves == (DateMove(2, days(5), None),)
    assert receive_stock(product.id, 3, shipment.id) == preview
    assert dates(orders) == [None, None, None]
    assert (
        db.session.scalar(
            select(InboundShipment.id).where(InboundShipment.status == ShipmentStatus.SCHEDULED)
        )
        is None
    )


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda s: edit_shipment(s.id, 5, days(-1)), "cannot be in the past"),
        (lambda s: edit_shipment(s.id, 0, days(4)), "whole number from 1"),
        (lambda s: edit_shipment(s.id, 10**12, days(4)), "whole number from 1"),
        (lambda s: edit_shipment(s.id, 5, days(5 * 365)), "within the next three years"),
        (lambda s: edit_shipment(s.id + 999, 5, days(4)), "No such shipment"),
        (lambda s: preview_shipment_edit(s.id, 5, days(-1)), "cannot be in the past"),
        (
            lambda s: receive_stock(s.product_id, 3, s.id, rest_expected_on=days(-2)),
            "cannot be in the past",
        ),
        (lambda s: receive_stock(s.product_id, 0, s.id), "whole number from 1"),
    ],
)
def test_bad_changes_are_refused_and_change_nothing(queue, change, message):
    _product, shipment, orders = queue
    events = event_count()
    with pytest.raises((InvalidRequest, NotFound), match=message):
        change(shipment)
    db.session.rollback()
    assert dates(orders) == [days(5)] * 3
    assert event_count() == events
    db.session.expire_all()
    kept = db.session.get(InboundShipment, shipment.id)
    assert (kept.status, kept.quantity, kept.expected_on) == (
        ShipmentStatus.SCHEDULED,
        5,
        days(3),
    )


def test_another_products_shipment_cannot_be_received(queue, make_product):
    _, shipment, orders = queue
    other = make_product(on_hand=0)
    with pytest.raises(NotFound, match="No such shipment for this product"):
        receive_stock(other.id, 5, shipment.id)
    with pytest.raises(NotFound, match="No such shipment for this product"):
        preview_receipt(other.id, 5, shipment.id)
    assert dates(orders) == [days(5)] * 3


def test_a_cancelled_shipment_cannot_be_changed_again(queue):
    _, shipment, _ = queue
    cancel_shipment(shipment.id)
    for change in (
        lambda: cancel_shipment(shipment.id),
        lambda: edit_shipment(shipment.id, 5, days(4)),
        lambda: preview_shipment_cancel(shipment.id),
    ):
        with pytest.raises(InvalidRequest, match="already cancelled"):
            change()


def test_an_overdue_shipment_keeps_its_date_while_its_quantity_changes(queue):
    _product, shipment, orders = queue
    db.session.get(InboundShipment, shipment.id).expected_on = days(-3)
    db.session.commit()
    effect = edit_shipment(shipment.id, 4, days(-3))
    # Overdue counts as arriving today: the third order is no longer covered.
    assert effect.moves == (DateMove(2, days(5), days(2)), DateMove(1, days(5), None))
    assert dates(orders) == [days(2), days(2), None]
