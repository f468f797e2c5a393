"""Many shoppers at once: no unit is sold twice and no lock error reaches anyone."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from storefront.extensions import db
from storefront.models import InboundShipment, OrderLine, Product, ShipmentStatus
from storefront.services import receiving as stock_service
from storefront.services.orders import Contact, Item, OrderRefused, place_order
from storefront.services.receiving import receive_stock
from storefront.services.shipments import schedule_shipment
from tests.conftest import days

SHOPPERS = 50


def _contact(n: int) -> Contact:
    return Contact(f"rush{n}@example.com", f"Rush {n}", "1 Main St", "Town", "12345", "US")


def test_fifty_shoppers_for_the_last_ten_units_and_a_backorder_limit(app, make_product):
    product_id = make_product(on_hand=10, backorder_limit=5).id
    barrier = threading.Barrier(SHOPPERS)

    def shop(n: int) -> str:
        with app.app_context():
            barrier.wait()
            try:
                place_order(_contact(n), [Item(product_id, 1)])
                return "placed"
            except OrderRefused:
                return "refused"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=SHOPPERS) as pool:
        outcomes = list(pool.map(shop, range(SHOPPERS)))

    assert outcomes.count("placed") == 15
    assert outcomes.count("refused") == SHOPPERS - 15
    db.session.rollback()  # end the read snapshot taken before the threads wrote
    allocated, waiting = db.session.execute(
        select(func.sum(OrderLine.allocated), func.sum(OrderLine.waiting)).where(
            OrderLine.product_id == product_id
        )
    ).one()
    assert (allocated, waiting) == (10, 5)
    stored = db.session.get(Product, product_id)
    assert (stored.on_hand, stored.waiting_units) == (0, 5)


def test_an_order_arriving_mid_receipt_waits_for_it_and_sees_its_result(
    app, make_product, monkeypatch
):
    product_id = make_product(on_hand=0).id
    first_id = place_order(_contact(1), [Item(product_id, 2)]).id
    inside_receipt, let_receipt_finish = threading.Event(), threading.Event()
    write_fills = stock_service.write_fills

    def paused_write_fills(*args, **kwargs):
        write_fills(*args, **kwargs)
        if threading.current_thread().name == "receipt-1":
            inside_receipt.set()
            assert let_receipt_finish.wait(10)

    monkeypatch.setattr(stock_service, "write_fills", paused_write_fills)
    results = {}

    def run(name, action):
        def target():
            with app.app_context():
                try:
                    results[name] = action()
                finally:
                    db.session.remove()

        thread = threading.Thread(target=target, name=name)
        thread.start()
        return thread

    receipt_1 = run("receipt-1", lambda: receive_stock(product_id, 3))
    assert inside_receipt.wait(10)
    # The product row is locked now: the order and a second receipt must queue behind it.
    order = run("order", lambda: place_order(_contact(2), [Item(product_id, 2)]).id)
    receipt_2 = run("receipt-2", lambda: receive_stock(product_id, 1))
    order.join(0.5)
    assert order.is_alive(), "the order went ahead while the receipt held the lock"
    let_receipt_finish.set()
    for thread in (receipt_1, order, receipt_2):
        thread.join(20)
        assert not thread.is_alive()

    db.session.rollback()  # end the read snapshot taken before the threads wrote
    lines = db.session.scalars(select(OrderLine).order_by(OrderLine.id)).all()
    on_hand = db.session.get(Product, product_id).on_hand
    assert (lines[0].order_id, lines[0].allocated) == (first_id, 2)
    # Four units arrived for four ordered: whichever ran second after the first receipt,
    # the second order ends with both units, none waits, none is left over or given twice.
    assert (lines[1].allocated, lines[1].waiting, on_hand) == (2, 0, 0)
    assert set(results) == {"receipt-1", "order", "receipt-2"}


def test_a_failure_halfway_through_a_receipt_changes_nothing(app, make_product, monkeypatch):
    product = make_product(on_hand=0)
    shipment = schedule_shipment(product.id, 5, days(8))
    orders = [place_order(_contact(n), [Item(product.id, 2)]) for n in range(3)]

    def crash(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(stock_service, "write_promise_changes", crash)
    with pytest.raises(RuntimeError):
        receive_stock(product.id, 3, shipment_id=shipment.id)

    db.session.expire_all()
    lines = db.session.scalars(
        select(OrderLine).where(OrderLine.order_id.in_([o.id for o in orders]))
    ).all()
    assert [(line.allocated, line.waiting) for line in lines] == [(0, 2)] * 3
    assert db.session.get(Product, product.id).on_hand == 0
    assert db.session.get(InboundShipment, shipment.id).status is ShipmentStatus.SCHEDULED


def test_a_double_submitted_delivery_is_recorded_once_under_contention(app, make_product):
    from storefront.services.receiving import AlreadyRecorded

    product_id = make_product(on_hand=0).id
    barrier = threading.Barrier(4)

    def submit(_):
        with app.app_context():
            barrier.wait()
            try:
                receive_stock(product_id, 5, receipt_key="same-form")
                return "recorded"
            except AlreadyRecorded:
                return "refused"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = sorted(pool.map(submit, range(4)))
    assert outcomes == ["recorded", "refused", "refused", "refused"]
    db.session.rollback()  # end the read snapshot taken before the threads wrote
    assert db.session.get(Product, product_id).on_hand == 5
