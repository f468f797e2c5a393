"""The staff outbox: what waits, failed or went, readable safely, with "retry now"."""

import pytest
from sqlalchemy import select, update

from storefront.extensions import db
from storefront.models import MessageStatus, OutboxMessage
from storefront.services.orders import Contact, Item, place_order
from storefront.services.receiving import receive_stock
from tests.web.test_staff import sign_in


@pytest.fixture
def signed_in(client, staff_user):
    assert sign_in(client).status_code == 302
    return client


@pytest.fixture
def hostile_order(make_product):
    product = make_product(name="Lamp", on_hand=3)
    contact = Contact("victim@example.com", "<script>alert(1)</script>", "1 St", "Town", "1", "US")
    return place_order(contact, [Item(product.id, 1)])


def message_of(order) -> OutboxMessage:
    return db.session.scalar(select(OutboxMessage).where(OutboxMessage.order_id == order.id))


def set_status(message_id: int, status: MessageStatus, error: str = "") -> None:
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status=status, last_error=error, attempts=8)
    )
    db.session.commit()


def test_the_outbox_needs_a_login(client):
    for url in ("/staff/outbox", "/staff/outbox/1", "/staff/outbox/1/email.html"):
        response = client.get(url)
        assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    assert client.post("/staff/outbox/1/retry").status_code == 302


def test_pending_failed_and_sent_lists_count_their_messages(signed_in, hostile_order):
    message = message_of(hostile_order)
    page = signed_in.get("/staff/outbox").get_data(as_text=True)
    assert "Pending (1)" in page and "Failed (0)" in page and "Sent (0)" in page
    assert f"Order {hostile_order.number} is placed" in page and "victim@example.com" in page

    set_status(message.id, MessageStatus.FAILED, "SMTPRecipientsRefused: mailbox unknown")
    page = signed_in.get("/staff/outbox?status=failed").get_data(as_text=True)
    assert "Failed (1)" in page and "mailbox unknown" in page and "Retry now" in page
    assert signed_in.get("/staff/outbox?status=nonsense").status_code == 404


def test_an_email_is_shown_as_sent_without_its_html_on_the_staff_page(signed_in, hostile_order):
    message = message_of(hostile_order)
    page = signed_in.get(f"/staff/outbox/{message.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the text part, escaped
    assert f'src="/staff/outbox/{message.id}/email.html"' in page and "sandbox" in page

    framed = signed_in.get(f"/staff/outbox/{message.id}/email.html")
    assert framed.get_data(as_text=True) == message.html_body
    policy = framed.headers["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy
    assert "script-src" not in policy and framed.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_retry_now_makes_a_failed_email_due_again(signed_in, hostile_order):
    message = message_of(hostile_order)
    set_status(message.id, MessageStatus.FAILED, "SMTPServerDisconnected")
    response = signed_in.post(f"/staff/outbox/{message.id}/retry", data={"back": "list"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/staff/outbox?status=pending")
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status is MessageStatus.PENDING

    set_status(message.id, MessageStatus.SENT)
    page = signed_in.post(f"/staff/outbox/{message.id}/retry", follow_redirects=True)
    assert "This message was sent already." in page.get_data(as_text=True)


def test_retry_needs_the_form_token(app, signed_in, hostile_order):
    app.config["WTF_CSRF_ENABLED"] = True
    message = message_of(hostile_order)
    set_status(message.id, MessageStatus.FAILED)
    assert signed_in.post(f"/staff/outbox/{message.id}/retry").status_code == 400
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status is MessageStatus.FAILED


@pytest.mark.parametrize("message_id", ["0", "99999999999999", "2147483648"])
def test_unknown_emails_are_not_found(signed_in, message_id):
    assert signed_in.get(f"/staff/outbox/{message_id}").status_code == 404
    assert signed_in.get(f"/staff/outbox/{message_id}/email.html").status_code == 404
    assert signed_in.post(f"/staff/outbox/{message_id}/retry").status_code == 404


def test_an_update_stored_as_facts_is_shown_rendered(signed_in, make_product):
    product = make_product(name="<i>Vase</i>", on_hand=0)
    contact = Contact("buyer@example.com", "Ann", "1 St", "Town", "1", "US")
    order = place_order(contact, [Item(product.id, 1)])
    receive_stock(product.id, 1)
    db.session.rollback()
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "order_update")
    ).one()
    assert message.text_body is None and message.order_id == order.id

    page = signed_in.get(f"/staff/outbox/{message.id}").get_data(as_text=True)
    assert "1 × &lt;i&gt;Vase&lt;/i&gt; reserved from new stock: ready to ship." in page
    framed = signed_in.get(f"/staff/outbox/{message.id}/email.html").get_data(as_text=True)
    assert "<li>1 × &lt;i&gt;Vase&lt;/i&gt; reserved from new stock: ready to ship.</li>" in framed
