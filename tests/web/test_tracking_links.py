""" "Send me my orders": the tracking links of an address's orders, mailed to that address."""

import pytest
from sqlalchemy import select

from storefront import create_app
from storefront.extensions import db
from storefront.models import OutboxMessage
from storefront.services.orders import Contact, Item, place_order

SAME_ANSWER = "If we have orders for {email}, we have sent their tracking links to it."


def order_for(product, email: str):
    contact = Contact(email, "Buyer", "1 Main St", "Town", "12345", "US")
    return place_order(contact, [Item(product.id, 1)])


def links_messages() -> list[OutboxMessage]:
    db.session.rollback()
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "order_links")
    ).all()


def ask(client, email: str):
    return client.post("/track/links", data={"links-email": email}, follow_redirects=True)


@pytest.fixture
def app_config(app_config):
    return app_config | {"PUBLIC_URL": "https://shop.example"}


def test_every_order_of_the_address_is_mailed_and_the_page_says_the_same_either_way(
    client, make_product
):
    product = make_product(on_hand=10)
    orders = [order_for(product, "Pat@Example.com") for _ in range(2)]
    order_for(product, "someone.else@example.com")

    known = ask(client, "pat@example.com ")
    unknown = ask(client, "nobody@example.com")

    assert known.status_code == unknown.status_code == 200
    assert SAME_ANSWER.format(email="pat@example.com") in known.get_data(as_text=True)
    assert SAME_ANSWER.format(email="nobody@example.com") in unknown.get_data(as_text=True)
    [message] = links_messages()
    assert (message.recipient, message.subject) == ("pat@example.com", "Your Storefront orders")
    for order in orders:
        assert f"Order {order.number}" in message.text_body
        assert f"https://shop.example/orders/{order.token}" in message.text_body
        assert f'href="https://shop.example/orders/{order.token}"' in message.html_body
    assert "someone.else" not in message.text_body


def test_asking_again_right_away_sends_no_second_email(client, make_product):
    order_for(make_product(on_hand=3), "pat@example.com")
    for _ in range(3):
        ask(client, "pat@example.com")
    assert len(links_messages()) == 1


@pytest.mark.parametrize(
    ("email", "problem"),
    [
        ("", "Enter the email address"),
        ("a@" + "b" * 300, "too long"),
    ],
)
def test_a_bad_address_gets_a_message_and_sends_nothing(client, email, problem):
    response = client.post("/track/links", data={"links-email": email})
    assert response.status_code == 400
    assert problem in response.get_data(as_text=True)
    assert links_messages() == []


def test_sending_links_shares_the_lookup_rate_limit(app_config):
    limited = create_app(
        app_config | {"RATELIMIT_ENABLED": True, "TRACK_LOOKUP_RATE_LIMIT": "3 per minute"}
    )
    client = limited.test_client()
    with limited.app_context():
        lookup = {"number": "1001", "email": "nobody@example.com"}
        answers = [
            client.post("/track", data=lookup).status_code,
            client.post("/track/links", data={"links-email": "a@example.com"}).status_code,
            client.post("/track/links", data={"links-email": "b@example.com"}).status_code,
            client.post("/track/links", data={"links-email": "c@example.com"}).status_code,
            client.post("/track", data=lookup).status_code,
        ]
        assert answers == [400, 200, 200, 429, 429]
        db.session.remove()
        db.engine.dispose()
