"""`refresh-promises` works a few products per transaction: a checkout never waits for the
whole run, and no statement grows with the catalog (PostgreSQL takes 65,535 parameters)."""

import threading
import time

import pytest
from sqlalchemy import event, func, select

from storefront.extensions import db
from storefront.models import InboundShipment, OrderLine, Product
from storefront.services import shipments
from storefront.services.orders import Contact, Item, place_order
from storefront.services.shipments import refresh_all_promises
from tests.conftest import counted_queries, days


def _contact(n: int) -> Contact:
    return Contact(f"late{n}@example.com", f"Late {n}", "1 Main St", "Town", "12345", "US")


@pytest.fixture
def late_products(app, make_product):
    """Five products whose waiting lines carry a date that has passed (a late shipment)."""
    products = [make_product(sku=f"LATE-{n}", on_hand=0) for n in range(5)]
    for n, product in enumerate(products):
        db.session.add(InboundShipment(product_id=product.id, quantity=5, expected_on=days(-3)))
        db.session.commit()
        place_order(_contact(n), [Item(product.id, 1)])
    db.session.execute(OrderLine.__table__.update().values(promised_on=days(-1)))
    db.session.commit()
    return products


def _stale_lines() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).where(OrderLine.promised_on == days(-1)))


def test_each_batch_is_its_own_transaction_and_progress_is_reported(app, late_products):
    done = []
    with counted_queries() as statements:
        assert refresh_all_promises(batch_size=2, progress=done.append) == 5
    assert done == [2, 2, 1]
    locks = [s for s in statements if "FROM products \nWHERE products.id IN" in s]
    assert len(locks) == 3  # one locking read of the products per batch
    assert _stale_lines() == 0


def test_the_batch_size_comes_from_the_setting(app, late_products):
    app.config["REFRESH_BATCH_PRODUCTS"] = 4
    done = []
    refresh_all_promises(progress=done.append)
    assert done == [4, 1]


def test_a_checkout_goes_ahead_between_batches(app, late_products):
    """After the first batch, a checkout of its product completes before the run ends."""
    placed = []

    def order_while_refreshing(units: int) -> None:
        if placed:
            return

        def shop():
            with app.app_context():
                try:
                    placed.append(place_order(_contact(9), [Item(late_products[0].id, 1)]).id)
                finally:
                    db.session.remove()

        thread = threading.Thread(target=shop)
        thread.start()
        thread.join(10)
        assert placed, "the checkout waited for the refresh"

    refresh_all_promises(batch_size=1, progress=order_while_refreshing)
    assert _stale_lines() == 0


def test_a_checkout_waits_for_one_batch_at_most(app, database_url, late_products, monkeypatch):
    """While the last batch holds its locks, a product of the first batch can be bought."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite's one write lock makes every write wait for the open batch")
    in_last_batch, finish = threading.Event(), threading.Event()
    refresh_schedules = shipments.refresh_schedules

    def pausing_refresh(session, products):
        products = list(products)
        refresh_schedules(session, products)
        if products[0].sku == "LATE-4":
            in_last_batch.set()
            assert finish.wait(20)

    monkeypatch.setattr(shipments, "refresh_schedules", pausing_refresh)

    def refresh():
        with app.app_context():
            try:
                refresh_all_promises(batch_size=1)
            finally:
                db.session.remove()

    refreshing = threading.Thread(target=refresh)
    refreshing.start()
    try:
        assert in_last_batch.wait(20)
        started = time.monotonic()
        order = place_order(_contact(9), [Item(late_products[0].id, 1)])
        assert time.monotonic() - started < 5
        assert order.lines[0].waiting == 1
    finally:
        finish.set()
        refreshing.join(20)
    assert _stale_lines() == 0


def test_no_statement_grows_with_the_catalog(app, make_product):
    """PostgreSQL refuses a statement with more than 65,535 parameters: with 300 products
    to re-date, the largest statement lists one batch, not the catalog."""
    db.session.execute(
        Product.__table__.insert(),
        [
            {"sku": f"BULK-{n:03d}", "slug": f"bulk-{n}", "name": f"Bulk {n}", "price_cents": 100}
            for n in range(300)
        ],
    )
    db.session.commit()
    parameters = []

    def count(_conn, _cursor, _statement, params, _context, executemany):
        parameters.append(0 if executemany else len(params or ()))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert refresh_all_promises(batch_size=10) == 300
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert 10 <= max(parameters) <= 20


def test_the_command_works_in_batches_and_says_how_many(runner, late_products):
    result = runner.invoke(args=["refresh-promises", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "Re-dating 5 product(s)" in result.output
    assert "Checked the promise dates of 5 product(s)." in result.output
    assert _stale_lines() == 0
