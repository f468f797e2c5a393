"""Order use cases: place an order, cancel units, switch to a substitute, ship."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from .. import engine
from ..database import write_transaction
from ..extensions import db
from ..models import EventKind, Order, OrderLine, Product, Substitute
from ..pricing import order_totals, shipping_fee, substitute_unit_price
from .errors import InvalidRequest, NotFound
from .supply import (
    Timeline,
    describe_promise,
    load_stock,
    lock_products,
    refresh_product,
    touch_queue,
    write_fills,
    write_promise_changes,
)

MAX_LINE_QUANTITY = 999
MAX_LINES = 50


@dataclass(frozen=True)
class Contact:
    email: str
    name: str
    address_line1: str
    city: str
    postcode: str
    country: str
    address_line2: str = ""


@dataclass(frozen=True)
class Expectation:
    """What the shopper was shown for an item; placing checks it still holds under the lock."""

    ships_now: int
    waiting: int
    promised_on: date | None
    unit_price_cents: int
    backorder_discount_pct: int = 0
    backorder_free_shipping: bool = False
    substitute_unit_price_cents: int | None = None  # what a chosen substitute was to cost


@dataclass(frozen=True)
class Item:
    """Units of one product asked for; `substitute_id` takes the waiting part from another."""

    product_id: int
    quantity: int
    substitute_id: int | None = None
    drop_waiting: bool = False
    expected: Expectation | None = None


@dataclass
class OrderRefused(InvalidRequest):
    """At least one item cannot be taken as asked; nothing was placed."""

    problems: dict[int, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return " ".join(self.problems.values())


class StockChanged(OrderRefused):
    """Stock, dates or prices moved since the shopper saw them; nothing was placed."""


def has_shipped_order(email: str) -> bool:
    shipped = (
        select(OrderLine.id)
        .join(Order)
        .where(Order.email == email.strip().lower(), OrderLine.shipped > 0)
    )
    return bool(db.session.scalar(select(exists(shipped))))


def place_order(contact: Contact, items: list[Item], checkout_key: str | None = None) -> Order:
    """Take what is on hand, queue the rest (if allowed), lock in prices and incentives."""
    _check_items(items)
    if checkout_key:
        existing = order_for_checkout_key(checkout_key)
        if existing is not None:
            return existing
    try:
        return _place(contact, items, checkout_key)
    except IntegrityError:
        # The same checkout was placed by a concurrent request: answer with that order.
        existing = order_for_checkout_key(checkout_key) if checkout_key else None
        if existing is None:
            raise
        return existing


def order_for_checkout_key(checkout_key: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.checkout_key == checkout_key))


def _check_items(items: list[Item]) -> None:
    if not items:
        raise InvalidRequest("The order has no items.")
    if len(items) > MAX_LINES:
        raise InvalidRequest(f"An order can have at most {MAX_LINES} different products.")
    seen = set()
    for item in items:
        if not isinstance(item.quantity, int) or not 1 <= item.quantity <= MAX_LINE_QUANTITY:
            raise InvalidRequest(f"Quantities must be from 1 to {MAX_LINE_QUANTITY}.")
        if item.product_id in seen:
            raise InvalidRequest("Each product may appear once in an order.")
        seen.add(item.product_id)


def _place(contact: Contact, items: list[Item], checkout_key: str | None) -> Order:
    returning_only = current_app.config["BACKORDERS_RETURNING_CUSTOMERS_ONLY"]
    email = contact.email.strip().lower()
    with write_transaction() as session:
        wanted = {item.product_id for item in items} | {
            item.substitute_id for item in items if item.substitute_id
        }
        products = lock_products(session, wanted)
        may_wait = not returning_only or has_shipped_order(email)
        order = Order(
            email=email,
            name=contact.name.strip(),
            address_line1=contact.address_line1.strip(),
            address_line2=contact.address_line2.strip(),
            city=contact.city.strip(),
            postcode=contact.postcode.strip(),
            country=contact.country.strip().upper(),
            checkout_key=checkout_key,
        )
        session.add(order)
        session.flush()
        stocks = {}
        problems: dict[int, str] = {}
        changed: dict[int, str] = {}
        timeline = Timeline()
        summary = []
        for item in items:
            product = products[item.product_id]
            substitute = products.get(item.substitute_id)
            loaded = _stock_of(session, stocks, product)
            offer = engine.quote(loaded.stock, item.quantity)
            if offer.refusal is not None:
                problems[product.id] = refusal_message(product, offer)
                continue
            waits = bool(offer.waiting) and substitute is None and not item.drop_waiting
            seen = expectation(product, offer, substitute, waits=waits)
            if item.expected and item.expected != seen:
                changed[product.id] = f"{product.name}: {_what_changed(item.expected, seen)}"
                continue
            now_units, wait_units = offer.ships_now, offer.waiting
            if wait_units and substitute:
                _take_substitute(
                    session, order, product, substitute, stocks, wait_units, problems, timeline
                )
                wait_units = 0
            elif wait_units and item.drop_waiting:
                wait_units = 0
            if wait_units and not may_wait:
                problems[product.id] = (
                    f"{product.name}: only {offer.ships_now} can ship now, and backorders are "
                    "open to returning customers only."
                )
                continue
            if now_units + wait_units == 0:
                continue
            line = _add_line(session, order, product, loaded, now_units + wait_units, timeline)
            summary.append(f"{line.quantity} × {product.name}")
        if changed and not problems:
            raise StockChanged(changed)
        if problems:
            raise OrderRefused(problems | changed)
        if not order.lines:
            raise InvalidRequest("Nothing is left in the order to place.")
        _store_totals(order, shipping_fee(current_app.config["SHIPPING_FEE_CENTS"], order.lines))
        timeline.add(order.id, EventKind.PLACED, f"Order placed: {', '.join(summary)}.", first=True)
        for loaded in stocks.values():
            refresh_product(loaded.product, loaded.stock)
        timeline.write(session)
        return order


def _stock_of(session, stocks: dict, product: Product):
    if product.id not in stocks:
        stocks[product.id] = load_stock(session, product)
    return stocks[product.id]


def expectation(
    product: Product, offer: engine.Quote, substitute: Product | None = None, *, waits: bool
) -> Expectation:
    """What the shopper is shown for an item; the incentive counts only if units will wait."""
    return Expectation(
        offer.ships_now,
        offer.waiting,
        offer.promised_on,
        product.price_cents,
        product.backorder_discount_pct if waits else 0,
        product.backorder_free_shipping if waits else False,
        substitute_unit_price(product.price_cents, substitute.price_cents) if substitute else None,
    )


def _what_changed(seen: Expectation, now: Expectation) -> str:
    if seen.unit_price_cents != now.unit_price_cents:
        return "the price has changed."
    if seen.ships_now != now.ships_now:
        return f"{now.ships_now} can ship now instead of {seen.ships_now}."
    if seen.promised_on != now.promised_on:
        return "the expected ship date has changed."
    if seen.substitute_unit_price_cents != now.substitute_unit_price_cents:
        return "the price of the item chosen instead has changed."
    return "the offer for waiting has changed."


def refusal_message(product: Product, offer: engine.Quote) -> str:
    """Why the quantity cannot be taken, and the most that can, in the same words everywhere."""
    if not offer.max_quantity:
        return f"{product.name} is sold out and cannot be ordered right now."
    return f"Only {offer.max_quantity} of {product.name} can be ordered right now."


def _add_line(session, order, product, loaded, quantity, timeline) -> OrderLine:
    offer = engine.quote(loaded.stock, quantity)
    line = OrderLine(
        order=order,
        product=product,
        quantity=quantity,
        unit_price_cents=product.price_cents,
        placed_at=order.created_at,
        allocated=offer.ships_now,
        waiting=offer.waiting,
    )
    session.add(line)
    session.flush()  # the engine queues the line under its id
    placement = engine.place(loaded.stock, line.id, quantity)
    loaded.stock = placement.stock
    loaded.order_of_line[line.id] = order.id
    line.allocated = placement.allocated
    line.waiting = placement.waiting
    line.backordered_units = placement.waiting
    line.promised_on = placement.promised_on
    if placement.waiting:
        line.backorder_discount_pct = product.backorder_discount_pct
        line.backorder_free_shipping = product.backorder_free_shipping
        timeline.add(
            order.id,
            EventKind.BACKORDERED,
            f"{placement.waiting} × {product.name} on backorder, "
            f"{describe_promise(placement.promised_on)}.",
            line_id=line.id,
            promised_on=placement.promised_on,
        )
    return line


def _take_substitute(session, order, product, substitute, stocks, units, problems, timeline):
    if not _is_substitute(session, product.id, substitute.id):
        problems[product.id] = f"{substitute.name} is not offered instead of {product.name}."
        return
    loaded = _stock_of(session, stocks, substitute)
    if loaded.stock.on_hand < units:
        problems[product.id] = f"{substitute.name} no longer has {units} in stock."
        return
    _add_substitute_line(
        session,
        order,
        product,
        substitute,
        loaded,
        units,
        timeline,
        price_cents=product.price_cents,
        message=f"{units} × {substitute.name} instead of waiting for {product.name}.",
    )


def _add_substitute_line(
    session,
    order,
    product,
    substitute,
    loaded,
    units,
    timeline,
    *,
    price_cents: int,
    message: str,
    replaces: OrderLine | None = None,
):
    """Units of `substitute` that ship now instead of waiting for `product`, at the lower price."""
    line = _add_line(session, order, substitute, loaded, units, timeline)
    line.unit_price_cents = substitute_unit_price(price_cents, substitute.price_cents)
    line.substitute_for_product_id = product.id
    line.substitute_for_line_id = replaces.id if replaces else None
    timeline.add(order.id, EventKind.SUBSTITUTED, message, line_id=line.id)
    return line


def _stop_waiting(line: OrderLine, units: int) -> None:
    """Units leave the line's wait (cancelled or switched): no longer charged or discounted."""
    line.waiting -= units
    line.cancelled += units
    line.backordered_units = max(0, line.backordered_units - units)
    if line.waiting == 0:
        line.promised_on = None


def _is_substitute(session, product_id: int, substitute_id: int) -> bool:
    return session.get(Substitute, (product_id, substitute_id)) is not None


def _store_totals(order: Order, shipping_cents: int) -> None:
    """Recompute the order's money from its lines; later changes keep the shipping charged at
    placement (a free-shipping incentive, once earned, is locked in like the discount)."""
    totals = order_totals(order.lines, shipping_cents)
    order.subtotal_cents = totals.subtotal_cents
    order.discount_cents = totals.discount_cents
    order.shipping_cents = totals.shipping_cents
    order.total_cents = totals.total_cents


def _locked_line(session, line_id: int, order_id: int | None) -> tuple[OrderLine, Product]:
    line = session.get(OrderLine, line_id)
    if line is None or (order_id is not None and line.order_id != order_id):
        raise NotFound("No such order line.")
    product = lock_products(session, [line.product_id])[line.product_id]
    session.refresh(line)
    return line, product


def cancel_units(
    line_id: int,
    waiting: int = 0,
    allocated: int = 0,
    *,
    order_id: int | None = None,
    by: str = "customer",
) -> OrderLine:
    """Cancel units of a line; the queue behind moves up and freed units fill it."""
    if waiting < 0 or allocated < 0 or waiting + allocated == 0:
        raise InvalidRequest("Choose how many units to cancel.")
    with write_transaction() as session:
        line, product = _locked_line(session, line_id, order_id)
        if waiting > line.waiting or allocated > line.allocated:
            raise InvalidRequest(
                f"Only {line.waiting} waiting and {line.allocated} reserved units can be cancelled."
            )
        loaded = load_stock(session, product)
        released = engine.release(loaded.stock, line.id, waiting=waiting, allocated=allocated)
        _stop_waiting(line, waiting)
        line.allocated -= allocated
        line.cancelled += allocated
        session.flush()
        timeline = Timeline()
        timeline.add(
            line.order_id,
            EventKind.CANCELLED,
            f"{waiting + allocated} × {product.name} cancelled by the {by}.",
            line_id=line.id,
        )
        _apply_release(session, loaded, released, timeline)
        refresh_product(product, released.stock)
        _store_totals(line.order, line.order.shipping_cents)
        timeline.write(session)
        return line


def substitute_units(
    line_id: int, substitute_id: int, units: int | None = None, *, order_id: int | None = None
) -> OrderLine:
    """Switch waiting units to an in-stock substitute, charged at the lower of the two prices."""
    with write_transaction() as session:
        line = session.get(OrderLine, line_id)
        if line is None or (order_id is not None and line.order_id != order_id):
            raise NotFound("No such order line.")
        if not _is_substitute(session, line.product_id, substitute_id):
            raise InvalidRequest("That product is not offered as a substitute for this item.")
        products = lock_products(session, [line.product_id, substitute_id])
        session.refresh(line)
        units = line.waiting if units is None else units
        if not 1 <= units <= line.waiting:
            raise InvalidRequest(f"Only {line.waiting} units of this item are waiting.")
        product, substitute = products[line.product_id], products[substitute_id]
        loaded = load_stock(session, product)
        released = engine.release(loaded.stock, line.id, waiting=units)
        sub_loaded = load_stock(session, substitute)
        if sub_loaded.stock.on_hand < units:
            raise InvalidRequest(f"{substitute.name} has only {substitute.on_hand} in stock now.")
        _stop_waiting(line, units)
        timeline = Timeline()
        new_line = _add_substitute_line(
            session,
            line.order,
            product,
            substitute,
            sub_loaded,
            units,
            timeline,
            price_cents=line.unit_price_cents,
            replaces=line,
            message=f"{units} × {product.name} switched to {substitute.name}, which ships now.",
        )
        _apply_release(session, loaded, released, timeline)
        refresh_product(product, released.stock)
        refresh_product(substitute, sub_loaded.stock)
        session.flush()
        _store_totals(line.order, line.order.shipping_cents)
        timeline.write(session)
        return new_line


def _apply_release(session, loaded, released, timeline) -> None:
    write_fills(session, loaded, released.fills, released.stock, timeline)
    write_promise_changes(
        session,
        loaded,
        released.promise_changes,
        timeline,
        skip=[fill.line_id for fill in released.fills],
    )
    touch_queue(session, loaded.product.id)


def ship_order(order_id: int) -> Order:
    """Ship every reserved unit of the order."""
    with write_transaction() as session:
        order = session.get(Order, order_id)
        if order is None:
            raise NotFound("No such order.")
        lock_products(session, {line.product_id for line in order.lines})
        for line in order.lines:
            session.refresh(line)
        shipped = defaultdict(int)
        timeline = Timeline()
        for line in order.lines:
            if line.allocated:
                shipped[line.product.name] += line.allocated
                line.shipped += line.allocated
                line.allocated = 0
        if not shipped:
            raise InvalidRequest("Nothing in this order is ready to ship.")
        listed = ", ".join(f"{units} × {name}" for name, units in shipped.items())
        timeline.add(order.id, EventKind.SHIPPED, f"Shipped: {listed}.")
        session.flush()
        timeline.write(session)
        return order
