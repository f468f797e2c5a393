"""Order use cases: place an order, cancel waiting or reserved units, switch to a substitute."""

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import engine
from ..database import retry_on_conflict, write_transaction
from ..engine.limits import MAX_LINE_QUANTITY, MAX_ORDER_LINES
from ..engine.pricing import order_totals, shipping_fee, substitute_unit_price
from ..formatting import money
from ..models import EventKind, Order, OrderLine, Product, Substitute
from ..models.types import utcnow
from ..queries.orders import has_shipped_order, order_for_checkout_key
from .action_log import logged, order_number, switched_to
from .errors import InvalidRequest, NotFound
from .inventory import (
    LoadedStock,
    load_stock,
    lock_products,
    lock_waiting_orders,
    refresh_product,
    touch_queue,
    write_fills,
    write_promise_changes,
)
from .timeline import Timeline, describe_promise


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

    def as_list(self) -> list:
        """A JSON-ready form, for a page to carry what it showed."""
        promised_on = self.promised_on.isoformat() if self.promised_on else None
        return [
            self.ships_now,
            self.waiting,
            promised_on,
            self.unit_price_cents,
            self.backorder_discount_pct,
            self.backorder_free_shipping,
            self.substitute_unit_price_cents,
        ]

    @classmethod
    def from_list(cls, values: list) -> "Expectation":
        """The inverse of `as_list`; raises ValueError or TypeError for anything else."""
        now, waiting, promised_on, price, discount, free_shipping, substitute_price = values
        day = date.fromisoformat(promised_on) if promised_on is not None else None
        return cls(now, waiting, day, price, discount, free_shipping, substitute_price)


# The key of a problem with the whole order rather than one product (ids start at 1).
TOTAL = 0

# Stands for "the page showed nothing for this item": never equal to what is found.
NOTHING_SHOWN = Expectation(-1, -1, None, -1)


@dataclass(frozen=True)
class Item:
    """Units of one product asked for; `substitute_id` takes the waiting part from another.

    `expected` is what the shopper was shown (None: nothing to check, as for staff tools).
    """

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


@logged("order placed", result=order_number)
def place_order(
    contact: Contact,
    items: list[Item],
    checkout_key: str | None = None,
    *,
    shown_total_cents: int | None = None,
) -> Order:
    """Take what is on hand, queue the rest (if allowed), lock in prices and incentives.

    `shown_total_cents` is the total the shopper was shown (None: nothing to check, as for
    staff tools): an order that would come to any other total is not placed.
    """
    _check_items(items)
    if checkout_key:
        existing = order_for_checkout_key(checkout_key)
        if existing is not None:
            return existing
    try:
        return _place(contact, items, checkout_key, shown_total_cents)
    except IntegrityError:
        # The same checkout was placed by a concurrent request: answer with that order.
        existing = order_for_checkout_key(checkout_key) if checkout_key else None
        if existing is None:
            raise
        return existing


def _check_items(items: list[Item]) -> None:
    if not items:
        raise InvalidRequest("The order has no items.")
    if len(items) > MAX_ORDER_LINES:
        raise InvalidRequest(f"An order can have at most {MAX_ORDER_LINES} different products.")
    seen = set()
    for item in items:
        if not isinstance(item.quantity, int) or not 1 <= item.quantity <= MAX_LINE_QUANTITY:
            raise InvalidRequest(f"Quantities must be from 1 to {MAX_LINE_QUANTITY}.")
        if item.product_id in seen:
            raise InvalidRequest("Each product may appear once in an order.")
        seen.add(item.product_id)


@dataclass
class _Placing:
    """One order being placed: the locked products' stock as lines take it, and what went wrong."""

    session: Session
    order: Order
    products: dict[int, Product]
    may_wait: bool
    stocks: dict[int, LoadedStock] = field(default_factory=dict)
    placed: list[tuple[OrderLine, engine.Placement]] = field(default_factory=list)
    problems: dict[int, str] = field(default_factory=dict)
    changed: dict[int, str] = field(default_factory=dict)

    def stock_of(self, product: Product) -> LoadedStock:
        if product.id not in self.stocks:
            self.stocks[product.id] = load_stock(self.session, product)
        return self.stocks[product.id]

    def add_line(
        self, product: Product, loaded: LoadedStock, placement: engine.Placement
    ) -> OrderLine:
        """The engine's placement becomes a line; the product's stock now counts it."""
        line = _new_line(self.order, product, placement)
        loaded.stock = placement.stock
        self.placed.append((line, placement))
        return line


@retry_on_conflict
def _place(
    contact: Contact, items: list[Item], checkout_key: str | None, shown_total: int | None
) -> Order:
    returning_only = current_app.config["BACKORDERS_RETURNING_CUSTOMERS_ONLY"]
    email = contact.email.strip().lower()
    with write_transaction() as session:
        wanted = {item.product_id for item in items} | {
            item.substitute_id for item in items if item.substitute_id
        }
        order = _new_order(contact, email, checkout_key)
        session.add(order)
        placing = _Placing(
            session,
            order,
            lock_products(session, wanted),
            may_wait=not returning_only or has_shipped_order(email),
        )
        for item in items:
            _place_item(placing, item)
        if placing.changed:
            raise StockChanged(placing.problems | placing.changed)
        if placing.problems:
            raise OrderRefused(placing.problems)
        if not placing.placed:
            raise InvalidRequest("Nothing is left in the order to place.")
        session.flush()  # one flush gives the order and every line its id
        _store_totals(order, shipping_fee(current_app.config["SHIPPING_FEE_CENTS"], order.lines))
        if shown_total is not None and order.total_cents != shown_total:
            raise StockChanged({TOTAL: _total_changed(shown_total, order.total_cents)})
        timeline = Timeline()
        listed = ", ".join(f"{line.quantity} × {line.product.name}" for line, _ in placing.placed)
        timeline.add(order.id, EventKind.PLACED, f"Order placed: {listed}.")
        for line, placement in placing.placed:
            _line_placed(timeline, line, placement)
        for loaded in placing.stocks.values():
            refresh_product(loaded.product, loaded.stock)
        timeline.write(session)
        return order


def _new_order(contact: Contact, email: str, checkout_key: str | None) -> Order:
    return Order(
        created_at=utcnow(),  # the lines' place in their queues, before any flush
        email=email,
        name=contact.name.strip(),
        address_line1=contact.address_line1.strip(),
        address_line2=contact.address_line2.strip(),
        city=contact.city.strip(),
        postcode=contact.postcode.strip(),
        country=contact.country.strip().upper(),
        checkout_key=checkout_key,
    )


def _place_item(placing: _Placing, item: Item) -> None:
    """Ask the engine once for the item's line; check it against what the shopper was shown."""
    product = placing.products[item.product_id]
    substitute = placing.products.get(item.substitute_id) if item.substitute_id else None
    loaded = placing.stock_of(product)
    waits_asked = substitute is None and not item.drop_waiting
    try:
        placement = engine.place(
            loaded.stock, engine.NewLine(), item.quantity, queue_rest=waits_asked
        )
    except engine.BackorderRefused as refused:
        placing.problems[product.id] = engine.refusal_message(refused.offer, product.name)
        return
    offer = placement.offer
    seen = expectation(product, offer, substitute, waits=waits_asked and offer.waiting > 0)
    if item.expected is not None and item.expected != seen:
        placing.changed[product.id] = f"{product.name}: {_what_changed(item.expected, seen)}"
        return
    if placement.waiting and not placing.may_wait:
        placing.problems[product.id] = (
            f"{product.name}: only {offer.ships_now} can ship now, and backorders are "
            "open to returning customers only."
        )
        return
    if offer.waiting and substitute is not None:
        _take_substitute(placing, product, substitute, offer.waiting)
    if placement.allocated + placement.waiting:
        placing.add_line(product, loaded, placement)


def _take_substitute(placing: _Placing, product: Product, substitute: Product, units: int) -> None:
    if not _is_substitute(placing.session, product.id, substitute.id):
        placing.problems[product.id] = (
            f"{substitute.name} is not offered instead of {product.name}."
        )
        return
    loaded = placing.stock_of(substitute)
    if loaded.stock.on_hand < units:
        placing.problems[product.id] = f"{substitute.name} no longer has {units} in stock."
        return
    placement = engine.place(loaded.stock, engine.NewLine(), units)
    line = placing.add_line(substitute, loaded, placement)
    _price_as_substitute(line, product, product.price_cents)


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


def _total_changed(shown_cents: int, total_cents: int) -> str:
    if shown_cents < 0:
        return "Please check the summary as it is now."
    return (
        f"The total for your choices is {money(total_cents)}, not the {money(shown_cents)} "
        "shown: check the summary."
    )


def _what_changed(seen: Expectation, now: Expectation) -> str:
    if seen == NOTHING_SHOWN:
        return "please check the item as it is now."
    if seen.unit_price_cents != now.unit_price_cents:
        return "the price has changed."
    if seen.ships_now != now.ships_now:
        return f"{now.ships_now} can ship now instead of {seen.ships_now}."
    if seen.promised_on != now.promised_on:
        return "the expected ship date has changed."
    if seen.substitute_unit_price_cents != now.substitute_unit_price_cents:
        return "the price of the item chosen instead has changed."
    return "the offer for waiting has changed."


def _new_line(order: Order, product: Product, placement: engine.Placement) -> OrderLine:
    """A new line as the engine placed it, with price and incentive locked in."""
    line = OrderLine(
        product=product,
        quantity=placement.allocated + placement.waiting,
        unit_price_cents=product.price_cents,
        placed_at=order.created_at,
        allocated=placement.allocated,
        waiting=placement.waiting,
        backordered_units=placement.waiting,
        promised_on=placement.promised_on,
    )
    if placement.waiting:
        line.backorder_discount_pct = product.backorder_discount_pct
        line.backorder_free_shipping = product.backorder_free_shipping
    order.lines.append(line)  # the order's cascade adds the line to the session
    return line


def _line_placed(timeline: Timeline, line: OrderLine, placement: engine.Placement) -> None:
    """The line's timeline entries, once the flush has given it an id."""
    if line.substitute_for is not None:
        timeline.add(
            line.order_id,
            EventKind.SUBSTITUTED,
            f"{line.quantity} × {line.product.name} instead of waiting for "
            f"{line.substitute_for.name}.",
            line_id=line.id,
        )
    if placement.waiting:
        timeline.add(
            line.order_id,
            EventKind.BACKORDERED,
            f"{placement.waiting} × {line.product.name} on backorder, "
            f"{describe_promise(placement.promised_on)}.",
            line_id=line.id,
            promised_on=placement.promised_on,
        )


def _price_as_substitute(
    line: OrderLine, product: Product, price_cents: int, replaces: OrderLine | None = None
) -> None:
    """Units of a substitute ship instead of waiting for `product`, at the lower price."""
    line.unit_price_cents = substitute_unit_price(price_cents, line.product.price_cents)
    line.substitute_for = product
    line.substitute_for_line_id = replaces.id if replaces else None


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
    lock_waiting_orders(session, [product.id], also=[line.order_id])
    session.refresh(line)
    return line, product


def check_cancellable(line: OrderLine, waiting: int, allocated: int = 0) -> None:
    """Refuse to cancel units the line does not have (in words for the customer)."""
    if waiting < 0 or allocated < 0 or waiting + allocated == 0:
        raise InvalidRequest("Choose how many units to cancel.")
    name = line.product.name
    if allocated == 0 and waiting > line.waiting:
        if not line.waiting:
            raise InvalidRequest(f"No {name} units are waiting any more.")
        raise InvalidRequest(f"Only {line.waiting} waiting units of {name} can be cancelled.")
    if waiting > line.waiting or allocated > line.allocated:
        raise InvalidRequest(
            f"Only {line.waiting} waiting and {line.allocated} reserved units can be cancelled."
        )


@logged("units cancelled", ("line_id", "waiting", "allocated", "by"))
@retry_on_conflict
def cancel_units(
    line_id: int,
    waiting: int = 0,
    allocated: int = 0,
    *,
    order_id: int | None = None,
    by: str = "customer",
) -> OrderLine:
    """Cancel units of a line; the queue behind moves up and freed units fill it."""
    with write_transaction() as session:
        line, product = _locked_line(session, line_id, order_id)
        check_cancellable(line, waiting, allocated)
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
        _store_totals(line.order, line.order.shipping_cents)
        timeline.write(session)
        return line


@logged("units switched", ("line_id", "substitute_id", "units"), result=switched_to)
@retry_on_conflict
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
        lock_waiting_orders(session, [line.product_id], also=[line.order_id])
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
        placement = engine.place(sub_loaded.stock, engine.NewLine(), units)
        new_line = _new_line(line.order, substitute, placement)
        _price_as_substitute(new_line, product, line.unit_price_cents, replaces=line)
        session.flush()
        timeline = Timeline()
        timeline.add(
            line.order_id,
            EventKind.SUBSTITUTED,
            f"{units} × {product.name} switched to {substitute.name}, which ships now.",
            line_id=new_line.id,
        )
        _apply_release(session, loaded, released, timeline)
        refresh_product(substitute, placement.stock)
        _store_totals(line.order, line.order.shipping_cents)
        timeline.write(session)
        return new_line


def _apply_release(session, loaded, released, timeline) -> None:
    """Units left a line: freed ones fill the queue, dates move, waiting orders refresh."""
    write_fills(session, loaded, released.fills, released.stock, timeline)
    write_promise_changes(
        session,
        loaded,
        released.promise_changes,
        timeline,
        skip=[fill.line_id for fill in released.fills],
    )
    touch_queue(loaded, released.stock, timeline)
    refresh_product(loaded.product, released.stock)
