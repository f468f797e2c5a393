"""Changing a product's settings, on every database: promises made stand, new orders follow."""

from dataclasses import replace

import pytest
from sqlalchemy import select

from storefront.engine.availability import Status, availability_of
from storefront.extensions import db
from storefront.models import Order, OrderLine, Product, Substitute
from storefront.services import NotFound
from storefront.services.orders import Contact, Item, OrderRefused, place_order
from storefront.services.products import (
    ProductSettings,
    SettingsRefused,
    update_product_settings,
)
from storefront.services.shipments import schedule_shipment
from tests.conftest import days


def contact(n: int) -> Contact:
    return Contact(f"buyer{n}@example.com", f"Buyer {n}", "1 Main St", "Town", "12345", "US")


def settings_of(product: Product, **changes) -> ProductSettings:
    """The product's settings as they are, with `changes`."""
    current = ProductSettings(
        name=product.name,
        description=product.description,
        price_cents=product.price_cents,
        allow_backorders=product.allow_backorders,
        backorder_limit=product.backorder_limit,
        backorder_discount_pct=product.backorder_discount_pct,
        backorder_free_shipping=product.backorder_free_shipping,
        low_stock_threshold=product.low_stock_threshold,
        substitutes=tuple(s.sku for s in product.substitutes),
    )
    return replace(current, **changes)


def fresh(product: Product) -> Product:
    db.session.expire_all()
    return db.session.get(Product, product.id)


def waiting_lines(product: Product) -> list[tuple[int, int, object]]:
    db.session.expire_all()
    return db.session.execute(
        select(OrderLine.order_id, OrderLine.waiting, OrderLine.promised_on)
        .where(OrderLine.product_id == product.id, OrderLine.waiting > 0)
        .order_by(OrderLine.id)
    ).all()


def test_a_lower_limit_keeps_every_waiting_line_and_refuses_new_units(make_product):
    product = make_product(on_hand=0, backorder_limit=None)
    schedule_shipment(product.id, 10, days(4))
    for n in range(3):
        place_order(contact(n), [Item(product.id, 2)])
    before = waiting_lines(product)
    assert sum(units for _, units, _ in before) == 6

    saved = update_product_settings(product.sku, settings_of(product, backorder_limit=4))

    assert saved.changed == ("backorder_limit",)
    assert "6 units already waiting keep their place and dates" in saved.notes[0]
    assert waiting_lines(product) == before  # same lines, units and dates
    assert fresh(product).waiting_units == 6
    assert availability_of(fresh(product)).status is Status.SOLD_OUT
    with pytest.raises(OrderRefused, match=r"No more of .* can be backordered"):
        place_order(contact(9), [Item(product.id, 1)])
    assert waiting_lines(product) == before


def test_backorders_off_shows_sold_out_and_on_again_shows_the_date(make_product):
    product = make_product(on_hand=0)
    schedule_shipment(product.id, 5, days(6))
    assert availability_of(fresh(product)).promise_on == days(8)

    update_product_settings(product.sku, settings_of(fresh(product), allow_backorders=False))
    assert availability_of(fresh(product)).status is Status.SOLD_OUT
    with pytest.raises(OrderRefused, match="sold out"):
        place_order(contact(1), [Item(product.id, 1)])

    update_product_settings(product.sku, settings_of(fresh(product), allow_backorders=True))
    availability = availability_of(fresh(product))
    assert (availability.status, availability.promise_on) == (Status.BACKORDER_DATED, days(8))


def test_a_changed_incentive_and_price_apply_to_new_orders_only(make_product):
    product = make_product(on_hand=0, price_cents=2000, backorder_discount_pct=10)
    first = place_order(contact(1), [Item(product.id, 2)])
    first_totals = (first.subtotal_cents, first.discount_cents, first.total_cents)

    update_product_settings(
        product.sku,
        settings_of(
            fresh(product),
            price_cents=3000,
            backorder_discount_pct=25,
            backorder_free_shipping=True,
        ),
    )
    second = place_order(contact(2), [Item(product.id, 2)])

    db.session.expire_all()
    lines = {
        line.order_id: (
            line.unit_price_cents,
            line.backorder_discount_pct,
            line.backorder_free_shipping,
        )
        for line in db.session.scalars(select(OrderLine))
    }
    assert lines[first.id] == (2000, 10, False)
    assert lines[second.id] == (3000, 25, True)
    first = db.session.get(Order, first.id)
    assert (first.subtotal_cents, first.discount_cents, first.total_cents) == first_totals
    second = db.session.get(Order, second.id)
    assert (second.discount_cents, second.shipping_cents) == (1500, 0)


def test_substitutes_are_stored_in_the_order_given(make_product):
    product, first, second, third = (make_product(on_hand=n) for n in (0, 4, 5, 6))
    update_product_settings(product.sku, settings_of(product, substitutes=(third.sku, first.sku)))
    assert [s.sku for s in fresh(product).substitutes] == [third.sku, first.sku]

    saved = update_product_settings(
        product.sku, settings_of(fresh(product), substitutes=(second.sku,))
    )
    assert saved.changed == ("substitutes",)
    assert [s.sku for s in fresh(product).substitutes] == [second.sku]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"substitutes": ("NO-SUCH-SKU",)}, "substitutes", "No product has sku 'NO-SUCH-SKU'."),
        ({"substitutes": ("SELF",)}, "substitutes", "SELF cannot be its own substitute."),
        ({"substitutes": ("A\x00",)}, "substitutes", "'A\\x00' is not a sku."),
        ({"name": "Lamp\x00"}, "name", "one line of at most 200 characters"),
        ({"description": "Bright\x00"}, "description", "text of at most 5,000 characters"),
        ({"price_cents": -1}, "price_cents", "from 0 to 1,000,000.00"),
        ({"backorder_limit": 10**23}, "backorder_limit", "from 0 to 1,000,000, or empty"),
        ({"backorder_discount_pct": 101}, "backorder_discount_pct", "from 0 to 100"),
        ({"low_stock_threshold": -5}, "low_stock_threshold", "from 0 to 1,000,000"),
    ],
)
def test_bad_settings_are_refused_and_nothing_changes(make_product, changes, field, message):
    other = make_product(on_hand=3)
    product = make_product(sku="SELF", on_hand=0, substitutes=[other])
    before = settings_of(product)
    # A good change alongside the bad one must not be written either.
    with pytest.raises(SettingsRefused) as refused:
        good = {"price_cents": 999, "low_stock_threshold": 9}
        update_product_settings("SELF", replace(before, **(good | changes)))
    assert message in refused.value.problems[field]
    assert settings_of(fresh(product)) == before
    assert db.session.scalars(select(Substitute.substitute_id)).all() == [other.id]


def test_an_unknown_product_is_not_found(make_product):
    product = make_product()
    with pytest.raises(NotFound):
        update_product_settings("NO-SUCH", settings_of(product))
