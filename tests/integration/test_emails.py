"""Emails to customers, through the outbox, delivered to a real SMTP server on loopback."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from storefront.catalog_csv import InboundRow
from storefront.extensions import db
from storefront.formatting import human_date
from storefront.models import MessageStatus, Order, OutboxMessage
from storefront.models.types import utcnow
from storefront.notify.delivery import claim_due, deliver_due, retry_now
from storefront.services.importing import import_inbound
from storefront.services.orders import Contact, Item, place_order
from storefront.services.receiving import receive_stock
from storefront.services.shipments import edit_shipment, refresh_all_promises, schedule_shipment
from storefront.services.shipping import ship_order
from tests.conftest import days, html_part, text_part


@pytest.fixture
def app_config(app_config, smtp_sink):
    return app_config | {
        "PUBLIC_URL": "https://shop.example",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_sink.port,
        "MAIL_DEFAULT_SENDER": "Storefront <orders@shop.example>",
        "MAIL_RETRY_SECONDS": 0,  # a failed message is due again at once
    }


def contact(n: int = 1, **fields) -> Contact:
    values = dict(
        email=f"buyer{n}@example.com",
        name=f"Buyer {n}",
        address_line1="1 Main St",
        city="Town",
        postcode="12345",
        country="US",
    )
    return Contact(**(values | fields))


def outbox() -> list[OutboxMessage]:
    db.session.rollback()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_a_placed_order_is_mailed_with_both_parts_and_its_tracking_link(make_product, smtp_sink):
    kettle = make_product(name="Kettle", on_hand=5)
    grinder = make_product(name="Grinder", on_hand=0, backorder_discount_pct=10)
    schedule_shipment(grinder.id, 4, days(6))
    order = place_order(contact(), [Item(kettle.id, 2), Item(grinder.id, 1)])

    report = deliver_due()

    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    [(recipients, message)] = smtp_sink.received
    assert recipients == ["buyer1@example.com"]
    assert message["Subject"] == f"Order {order.number} is placed"
    assert message["From"] == "Storefront <orders@shop.example>"
    text, html = text_part(message), html_part(message)
    link = f"https://shop.example/orders/{order.token}"
    assert link in text and f'href="{link}"' in html
    assert "2 ready to ship now" in text
    assert f"1 on backorder, ships by {human_date(days(8))}" in text
    assert "10% off the 1 backordered unit" in text
    assert f'<time datetime="{days(8).isoformat()}">' in html
    [stored] = outbox()
    assert (stored.status, stored.attempts, stored.order_id) == (MessageStatus.SENT, 1, order.id)
    assert stored.sent_at is not None


def test_with_the_server_down_orders_commit_and_mail_waits_then_goes_once(make_product, smtp_sink):
    product = make_product(on_hand=10)
    smtp_sink.stop()
    orders = [place_order(contact(n), [Item(product.id, 1)]) for n in range(3)]

    report = deliver_due()

    assert (report.sent, report.retrying) == (0, 3)
    assert db.session.scalar(select(func.count()).select_from(Order)) == 3
    waiting = outbox()
    assert [m.status for m in waiting] == [MessageStatus.PENDING] * 3
    assert all("Connection refused" in m.last_error for m in waiting), waiting[0].last_error

    smtp_sink.start()
    assert deliver_due().sent == 3
    assert deliver_due().tried == 0
    assert sorted(m["To"] for m in smtp_sink.messages) == [o.email for o in orders]
    assert [m.status for m in outbox()] == [MessageStatus.SENT] * 3


def test_a_message_that_keeps_failing_is_marked_failed_until_staff_retry(
    app, make_product, smtp_sink
):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    product = make_product(on_hand=10)
    place_order(contact(), [Item(product.id, 1)])
    smtp_sink.stop()
    assert deliver_due().retrying == 1
    assert deliver_due().failed == 1
    [message] = outbox()
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 2)
    smtp_sink.start()
    assert deliver_due().tried == 0  # failed for good: no worker picks it up again

    retry_now(message.id)

    assert deliver_due().sent == 1
    assert len(smtp_sink.messages) == 1
    assert outbox()[0].status is MessageStatus.SENT


def test_a_moved_date_sends_one_email_and_an_unchanged_date_none(make_product, smtp_sink):
    product = make_product(name="Lamp", on_hand=0)
    shipment = schedule_shipment(product.id, 5, days(10))
    order = place_order(contact(), [Item(product.id, 2)])
    deliver_due()

    edit_shipment(shipment.id, 5, days(4))
    deliver_due()
    edit_shipment(shipment.id, 8, days(4))  # more units, same date: nothing to tell
    refresh_all_promises()
    deliver_due()

    subjects = [m["Subject"] for m in smtp_sink.messages]
    assert subjects == [f"Order {order.number} is placed", f"Order {order.number} ships earlier"]
    moved = text_part(smtp_sink.messages[1])
    assert f"from {human_date(days(12))} to {human_date(days(6))}" in moved
    assert len(outbox()) == 2


def test_one_transaction_touching_three_lines_of_an_order_sends_one_email(make_product, smtp_sink):
    products = [make_product(name=f"Part {n}", on_hand=0) for n in range(3)]
    order = place_order(contact(), [Item(p.id, 1) for p in products])
    other = place_order(contact(2), [Item(products[0].id, 1)])
    deliver_due()
    smtp_sink.received.clear()

    import_inbound([InboundRow(n + 2, p.sku, 5, days(3), "") for n, p in enumerate(products)])
    deliver_due()

    assert sorted(m["To"] for m in smtp_sink.messages) == [order.email, other.email]
    [mail] = smtp_sink.to(order.email)
    assert mail["Subject"] == f"Order {order.number} now has a ship date"
    text = text_part(mail)
    assert all(f"Part {n}: now has a date, ships by" in text for n in range(3))


def test_receiving_and_shipping_tell_the_customer(make_product, smtp_sink):
    product = make_product(name="Drill", on_hand=0)
    order = place_order(contact(), [Item(product.id, 2)])
    receive_stock(product.id, 2)
    ship_order(order.id)
    deliver_due()

    subjects = [m["Subject"] for m in smtp_sink.messages]
    assert subjects == [
        f"Order {order.number} is placed",
        f"Order {order.number}: units ready to ship",
        f"Order {order.number} has shipped",
    ]
    assert "2 × Drill reserved from new stock: ready to ship." in text_part(smtp_sink.messages[1])
    assert "Shipped: 2 × Drill." in text_part(smtp_sink.messages[2])


def test_customer_text_is_escaped_in_the_html_part(make_product, smtp_sink):
    product = make_product(on_hand=3)
    hostile = contact(
        name="<script>alert('name')</script> & Co",
        address_line1='<img src=x onerror="alert(1)">',
    )
    place_order(hostile, [Item(product.id, 1)])
    deliver_due()

    [message] = smtp_sink.messages
    html = html_part(message)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt; &amp; Co" in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert "<script>alert('name')</script> & Co" in text_part(message)  # plain text as typed


def test_workers_running_at_once_never_send_a_message_twice(app, make_product, smtp_sink):
    app.config["MAIL_BATCH_SIZE"] = 3
    product = make_product(on_hand=100)
    for n in range(24):
        place_order(contact(n), [Item(product.id, 1)])
    workers = 4
    barrier = threading.Barrier(workers)

    def work(_):
        with app.app_context():
            barrier.wait()
            try:
                return deliver_due().sent
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        sent = list(pool.map(work, range(workers)))

    assert sum(sent) == 24
    ids = [m["Message-ID"] for m in smtp_sink.messages]
    assert len(ids) == len(set(ids)) == 24
    assert {m.status for m in outbox()} == {MessageStatus.SENT}


def test_a_worker_that_died_mid_send_leaves_the_message_for_another(make_product, smtp_sink):
    product = make_product(on_hand=3)
    place_order(contact(), [Item(product.id, 1)])
    [claimed] = claim_due(utcnow())  # ...and the worker is killed before it sends
    assert deliver_due().tried == 0  # another worker leaves it alone during the lease

    # The lease runs out.
    db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(1)))
    db.session.commit()
    assert deliver_due().sent == 1
    [message] = outbox()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)
    assert claimed.attempts == 1


def test_update_emails_are_stored_as_facts_and_rendered_when_sent(make_product, smtp_sink):
    product = make_product(name="<b>Drill</b> & Bit", on_hand=0)
    order = place_order(contact(), [Item(product.id, 2)])
    deliver_due()
    receive_stock(product.id, 2)

    [update_message] = [m for m in outbox() if m.status is MessageStatus.PENDING]
    assert (update_message.text_body, update_message.html_body) == (None, None)
    assert update_message.template == "order_update"
    assert update_message.facts["events"] == [
        {"message": "2 × <b>Drill</b> & Bit reserved from new stock: ready to ship."}
    ]
    assert deliver_due().sent == 1

    sent = smtp_sink.messages[-1]
    assert sent["Subject"] == f"Order {order.number}: units ready to ship"
    assert "2 × <b>Drill</b> & Bit reserved from new stock" in text_part(sent)
    html = html_part(sent)
    assert "<b>Drill" not in html and "&lt;b&gt;Drill&lt;/b&gt; &amp; Bit reserved" in html
    assert f"https://shop.example/orders/{order.token}" in text_part(sent)


def test_a_receipt_writes_each_order_with_news_its_own_email_and_moves_the_rest_silently(
    make_product, smtp_sink
):
    product = make_product(name="Saw", on_hand=0)
    schedule_shipment(product.id, 10, days(20))
    orders = [place_order(contact(n), [Item(product.id, 2)]) for n in range(6)]
    assert deliver_due().sent == 6
    versions = {order.id: order.version for order in orders}

    # The first three are filled; the sixth, beyond the shipment until now, gets its date;
    # the fourth and fifth keep theirs but move up the queue.
    receive_stock(product.id, 6)

    assert deliver_due().sent == 4
    by_recipient = {m["To"]: m for m in smtp_sink.messages if "placed" not in m["Subject"]}
    assert set(by_recipient) == {f"buyer{n}@example.com" for n in (0, 1, 2, 5)}
    for n in (0, 1, 2, 5):
        text = text_part(by_recipient[f"buyer{n}@example.com"])
        assert f"Hello Buyer {n}," in text and f"/orders/{orders[n].token}" in text
        news = "reserved from new stock: ready to ship" if n < 3 else "now has a date, ships by"
        assert news in text
    db.session.rollback()
    for order in orders:  # every tracking page refreshes, the silent ones too
        assert db.session.get(Order, order.id).version == versions[order.id] + 1
