"""Locks in one global order (products by sku, then orders by id), and a retry when the
database aborts a transaction for a deadlock: two receipts at once both succeed."""

import logging
import threading
import time

import pytest
from sqlalchemy import create_engine, select, text

from storefront.database import retry_on_conflict, write_transaction
from storefront.extensions import db
from storefront.models import OrderLine
from storefront.services import receiving
from storefront.services.inventory import lock_products
from storefront.services.orders import Contact, Item, place_order
from storefront.services.receiving import receive_stock


def _contact(n: int) -> Contact:
    return Contact(f"both{n}@example.com", f"Both {n}", "1 Main St", "Town", "12345", "US")


@pytest.fixture
def postgres(app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks and deadlocks are PostgreSQL's; SQLite takes one write lock")
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


def _in_thread(app, name, action, results):
    def target():
        with app.app_context():
            try:
                results[name] = action()
            except Exception as error:  # the test reports it
                results[name] = error
            finally:
                db.session.remove()

    thread = threading.Thread(target=target, name=name)
    thread.start()
    return thread


def _wait_until_someone_waits_for_a_lock(engine, seconds=10) -> None:
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    deadline = time.monotonic() + seconds
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            if conn.execute(query).scalar():
                return
            time.sleep(0.02)
    raise AssertionError("nobody waited for a lock")


def test_two_receipts_whose_queues_share_orders_both_succeed_without_a_deadlock(
    app, postgres, make_product, monkeypatch, caplog
):
    a, b = make_product(on_hand=0), make_product(on_hand=0)
    first = place_order(_contact(1), [Item(a.id, 1), Item(b.id, 1)])
    second = place_order(_contact(2), [Item(a.id, 1), Item(b.id, 1)])
    third = place_order(_contact(3), [Item(b.id, 1)])
    # Receiving A fills the first order and moves the second up; receiving B fills the
    # first two and moves the third up. Before one lock order, A bumped the second
    # order then the first, B the first then the second: a deadlock.
    paused, resume = threading.Event(), threading.Event()
    touch_queue = receiving.touch_queue

    def touch_then_pause(*args):
        touch_queue(*args)
        if threading.current_thread().name == "receipt-a":
            paused.set()
            assert resume.wait(20)

    monkeypatch.setattr(receiving, "touch_queue", touch_then_pause)
    caplog.set_level(logging.WARNING, logger="storefront.database")
    results = {}
    receipt_a = _in_thread(app, "receipt-a", lambda: receive_stock(a.id, 1), results)
    assert paused.wait(10)
    receipt_b = _in_thread(app, "receipt-b", lambda: receive_stock(b.id, 2), results)
    _wait_until_someone_waits_for_a_lock(postgres)  # B is blocked behind A's locks
    resume.set()
    for thread in (receipt_a, receipt_b):
        thread.join(30)
        assert not thread.is_alive()

    assert [type(results[name]).__name__ for name in ("receipt-a", "receipt-b")] == [
        "ReceiptResult",
        "ReceiptResult",
    ], results
    assert "aborted" not in caplog.text, "the receipts deadlocked and had to be run again"
    db.session.rollback()
    lines = db.session.execute(
        select(OrderLine.order_id, OrderLine.product_id, OrderLine.allocated).order_by(OrderLine.id)
    ).all()
    assert [(line.order_id, line.product_id, line.allocated) for line in lines] == [
        (first.id, a.id, 1),
        (first.id, b.id, 1),
        (second.id, a.id, 0),
        (second.id, b.id, 1),
        (third.id, b.id, 0),
    ]


def test_a_use_case_aborted_for_a_deadlock_runs_again_and_succeeds(
    app, postgres, make_product, caplog
):
    p1, p2 = make_product(on_hand=1).id, make_product(on_hand=1).id
    both_hold_one = threading.Barrier(2, timeout=10)
    attempts: list[str] = []

    @retry_on_conflict
    def lock_one_then_the_other(first: int, second: int) -> str:
        name = threading.current_thread().name
        attempts.append(name)
        with write_transaction() as session:
            lock_products(session, [first])
            if attempts.count(name) == 1:  # on the first attempt, cross the other's path
                both_hold_one.wait()
            lock_products(session, [second])
        return "done"

    caplog.set_level(logging.WARNING, logger="storefront.database")
    results = {}
    threads = [
        _in_thread(app, "one", lambda: lock_one_then_the_other(p1, p2), results),
        _in_thread(app, "two", lambda: lock_one_then_the_other(p2, p1), results),
    ]
    for thread in threads:
        thread.join(30)
    assert results == {"one": "done", "two": "done"}
    assert len(attempts) == 3  # PostgreSQL aborted one of the two, which ran once more
    assert "DeadlockDetected" in caplog.text


def test_an_error_that_is_not_a_conflict_is_not_retried(app, make_product):
    calls = []

    @retry_on_conflict
    def fails() -> None:
        calls.append(1)
        with write_transaction() as session:
            session.execute(text("SELECT * FROM no_such_table"))

    with pytest.raises(Exception, match="no_such_table"):
        fails()
    assert calls == [1]
