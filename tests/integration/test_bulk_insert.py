"""Bulk work: inserts through the driver (COPY, executemany) store what the ORM would have,
and id conditions cover exactly the ids given."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from storefront.database import among, bulk_insert
from storefront.extensions import db
from storefront.models import EventKind, MessageStatus, Order, OrderEvent, OutboxMessage
from storefront.services.orders import Contact, Item, place_order


@pytest.fixture
def order(make_product):
    product = make_product(on_hand=5)
    contact = Contact("a@example.com", "Ann", "1 St", "Town", "1", "US")
    return place_order(contact, [Item(product.id, 1)])


def test_values_of_every_type_come_back_as_written(order):
    instant = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
    rows = [
        {
            "order_id": order.id,
            "line_id": None,
            "kind": EventKind.DATE_CHANGED,
            "message": 'Quote " and tab\t and newline\n and backslash \\ and é ✓',
            "promised_on": date(2026, 5, 1),
        },
        {
            "order_id": order.id,
            "line_id": order.lines[0].id,
            "kind": EventKind.ALLOCATED,
            "message": "",
            "promised_on": None,
        },
    ]
    bulk_insert(db.session, OrderEvent.__table__, rows, {"created_at": instant})
    db.session.commit()

    stored = db.session.scalars(
        select(OrderEvent)
        .where(OrderEvent.kind.in_([EventKind.DATE_CHANGED, EventKind.ALLOCATED]))
        .order_by(OrderEvent.id)
    ).all()
    assert [(e.kind, e.message, e.promised_on, e.line_id) for e in stored] == [
        (row["kind"], row["message"], row["promised_on"], row["line_id"]) for row in rows
    ]
    assert all(event.created_at == instant for event in stored)


def test_json_facts_and_an_enum_in_the_shared_values(order):
    now = datetime.now(UTC)
    facts = {"number": 1001, "events": [{"message": "ships by 3 May"}], "nested": [1, None]}
    bulk_insert(
        db.session,
        OutboxMessage.__table__,
        [
            {
                "kind": "order_update",
                "recipient": "a@example.com",
                "subject": "News",
                "dedupe_key": "bulk-test-1",
                "template": "order_update",
                "facts": facts,
                "order_id": order.id,
            }
        ],
        {
            "status": MessageStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": "",
            "created_at": now,
        },
    )
    db.session.commit()
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == "bulk-test-1")
    ).one()
    assert message.facts == facts and message.status is MessageStatus.PENDING
    assert message.text_body is None and message.created_at == now


def test_rows_must_all_give_the_same_columns(order):
    rows = [
        {"order_id": order.id, "kind": EventKind.SHIPPED, "message": "a"},
        {"order_id": order.id, "kind": EventKind.SHIPPED},
    ]
    with pytest.raises(ValueError, match="same columns"):
        bulk_insert(db.session, OrderEvent.__table__, rows, {"created_at": datetime.now(UTC)})
    db.session.rollback()  # what the use case's transaction does with the error
    assert db.session.scalars(select(OrderEvent).where(OrderEvent.message == "a")).all() == []


def test_among_selects_exactly_the_ids_given_in_few_statements(order):
    ids = list(range(1, 2_501))  # 2,500 ids, one of them the order's
    conditions = list(among(db.session, Order.id, ids))
    postgres = db.session.get_bind().dialect.name == "postgresql"
    assert len(conditions) == (1 if postgres else 3)
    found = [
        order_id
        for condition in conditions
        for order_id in db.session.scalars(select(Order.id).where(condition))
    ]
    assert found == [order.id]
