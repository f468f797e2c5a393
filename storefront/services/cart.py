"""The cart as the shopper sees it: per line what ships now, what waits and until when, choices
for the waiting units, and totals computed by the same pricing rules as a placed order."""

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from .. import engine
from ..engine.limits import MAX_LINE_QUANTITY, MAX_ORDER_LINES
from ..engine.pricing import Totals, order_totals, shipping_fee, substitute_unit_price
from ..extensions import db
from ..models import Product
from ..queries.catalog import in_stock_substitutes
from .errors import InvalidRequest
from .inventory import new_order_stock, scheduled_supply
from .orders import NOTHING_SHOWN, Expectation, Item, expectation
from .suppliers import promise_buffers

WAIT, DROP = "wait", "drop"


@dataclass(frozen=True)
class CartEntry:
    """What the session keeps: a product, a quantity, and what to do with waiting units."""

    product_id: int
    quantity: int
    choice: str = WAIT  # WAIT, DROP, or "sub:<product id>"


@dataclass(frozen=True)
class PricedUnits:
    """A line as it would be placed, in the shape the pricing rules read."""

    quantity: int
    unit_price_cents: int
    backorder_discount_pct: int = 0
    backorder_free_shipping: bool = False
    backordered_units: int = 0
    cancelled: int = 0


@dataclass
class CartLine:
    product: Product
    quantity: int
    offer: engine.Quote
    choice: str
    substitutes: list[Product] = field(default_factory=list)

    @property
    def substitute(self) -> Product | None:
        return next((p for p in self.substitutes if f"sub:{p.id}" == self.choice), None)

    @property
    def choices(self) -> list[str]:
        """What the shopper may do with the units that would wait."""
        return [WAIT, DROP, *(f"sub:{p.id}" for p in self.substitutes)]

    @property
    def waits(self) -> bool:
        return self.offer.accepted and self.offer.waiting > 0 and self.choice == WAIT

    @property
    def problem(self) -> str | None:
        return (
            None if self.offer.accepted else engine.refusal_message(self.offer, self.product.name)
        )

    def priced(self) -> list[PricedUnits]:
        offer, product = self.offer, self.product
        if not offer.accepted:
            return []
        units = [
            PricedUnits(offer.ships_now + (offer.waiting if self.waits else 0), product.price_cents)
        ]
        if self.waits:
            units[0] = PricedUnits(
                units[0].quantity,
                product.price_cents,
                product.backorder_discount_pct,
                product.backorder_free_shipping,
                offer.waiting,
            )
        if offer.waiting and self.substitute is not None:
            price = substitute_unit_price(product.price_cents, self.substitute.price_cents)
            units.append(PricedUnits(offer.waiting, price))
        return [u for u in units if u.quantity]

    def expectation_for(self, choice: str) -> Expectation:
        """What the page tells the shopper this line gets with `choice`."""
        substitute = next((p for p in self.substitutes if f"sub:{p.id}" == choice), None)
        waits = self.offer.waiting > 0 and choice == WAIT
        return expectation(self.product, self.offer, substitute, waits=waits)

    def item(self, expected: Expectation | None = None) -> Item:
        return Item(
            self.product.id,
            self.quantity,
            substitute_id=self.substitute.id if self.substitute else None,
            drop_waiting=self.choice == DROP,
            expected=expected,
        )


@dataclass
class CartReview:
    lines: list[CartLine]
    totals: Totals

    @property
    def can_check_out(self) -> bool:
        return (
            bool(self.lines)
            and all(line.problem is None for line in self.lines)
            and any(line.priced() for line in self.lines)
        )

    def refused_choices(self, asked: list[CartEntry]) -> dict[int, str]:
        """Products whose asked choice is not on offer (the review fell back to waiting)."""
        choice_of = {entry.product_id: entry.choice for entry in asked}
        return {
            line.product.id: "That choice is not available for this item."
            for line in self.lines
            if line.choice != choice_of[line.product.id]
        }

    def shown(self) -> dict:
        """What the page shows: per product and per choice the split, the date, the price,
        the incentive for waiting and each substitute's price; and the total for the choices
        as made (JSON-ready)."""
        lines = {
            str(line.product.id): {c: line.expectation_for(c).as_list() for c in line.choices}
            for line in self.lines
        }
        return {"lines": lines, "total_cents": self.totals.total_cents}

    def items(self, shown: dict) -> list[Item]:
        """The order to place, each item carrying what the page showed for its choice; the
        service compares that with the stock under its lock."""
        return [line.item(_shown_for(shown, line)) for line in self.lines]

    @staticmethod
    def shown_total(shown: dict) -> int:
        """The total the page showed; -1 (no order's total) if it showed none."""
        total = shown.get("total_cents")
        return total if type(total) is int else -1


def _shown_for(shown: dict, line: CartLine) -> Expectation:
    try:
        return Expectation.from_list(shown["lines"][str(line.product.id)][line.choice])
    except (KeyError, TypeError, ValueError):
        return NOTHING_SHOWN


def review_cart(entries: list[CartEntry]) -> CartReview:
    """Quote every line in a fixed number of queries, whatever the cart's size.

    Lines take stock in cart order, as placing the order will: a product in two roles (a
    line of its own and another line's substitute) is not counted twice.
    """
    ids = [entry.product_id for entry in entries]
    products = {p.id: p for p in db.session.scalars(select(Product).where(Product.id.in_(ids)))}
    entries = [entry for entry in entries if entry.product_id in products]
    substitutes = in_stock_substitutes(ids)
    for alternatives in substitutes.values():
        products.update((p.id, p) for p in alternatives)
    shipments = scheduled_supply(products)
    buffers = promise_buffers(products.values())
    stocks = {
        pid: new_order_stock(p, shipments[pid], buffers.get(pid, 0)) for pid, p in products.items()
    }
    lines = [_review_line(entry, products, substitutes, stocks) for entry in entries]
    priced = [units for line in lines for units in line.priced()]
    fee = shipping_fee(current_app.config["SHIPPING_FEE_CENTS"], priced) if priced else 0
    return CartReview(lines, order_totals(priced, fee))


def _review_line(entry: CartEntry, products: dict, substitutes: dict, stocks: dict) -> CartLine:
    """One line, taking from `stocks` what placing it would take."""
    product = products[entry.product_id]
    stock = stocks[product.id]
    offer = engine.quote(stock, entry.quantity)
    usable = [s for s in substitutes[product.id] if stocks[s.id].on_hand >= offer.waiting]
    choice = entry.choice
    if choice != DROP and not any(f"sub:{s.id}" == choice for s in usable):
        choice = WAIT  # a substitute that ran out (or was never offered) falls back
    line = CartLine(product, entry.quantity, offer, choice, usable)
    if not offer.accepted:
        return line
    stocks[product.id] = engine.place(
        stock, engine.NewLine(), entry.quantity, queue_rest=line.waits
    ).stock
    if offer.waiting and line.substitute is not None:
        sub = line.substitute.id
        stocks[sub] = engine.place(stocks[sub], engine.NewLine(), offer.waiting).stock
    return line


class CannotAdd(InvalidRequest):
    """The cart cannot take the units; `room` is how many more it could take (0: none)."""

    def __init__(self, message: str, room: int):
        super().__init__(message)
        self.room = room


def add_to_cart(entries: list[CartEntry], product_id: int, quantity: int) -> list[CartEntry]:
    """The cart with `quantity` more of the product, if the product can take the new total."""
    existing = next((e for e in entries if e.product_id == product_id), None)
    if existing is None and len(entries) >= MAX_ORDER_LINES:
        raise CannotAdd(f"A cart holds at most {MAX_ORDER_LINES} products.", 0)
    had = existing.quantity if existing else 0
    total = had + quantity
    line = review_cart([CartEntry(product_id, min(total, MAX_LINE_QUANTITY))]).lines[0]
    if total > MAX_LINE_QUANTITY or line.problem:
        most = line.offer.max_quantity
        room = min(MAX_LINE_QUANTITY if most is None else most, MAX_LINE_QUANTITY) - had
        message = line.problem or f"At most {MAX_LINE_QUANTITY} of one product per order."
        if existing and room > 0:
            message += f" You have {had} in your cart; you can add {room} more."
        raise CannotAdd(message, max(room, 0))
    return with_entry(entries, CartEntry(product_id, total, existing.choice if existing else WAIT))


def change_line(
    entries: list[CartEntry], product_id: int, quantity: int, choice: str
) -> list[CartEntry]:
    """The cart with the product's line changed: 0 units removes it; a choice must be offered."""
    if quantity == 0:
        return [e for e in entries if e.product_id != product_id]
    entry = CartEntry(product_id, quantity, choice)
    lines = review_cart([entry]).lines
    if not lines:
        raise InvalidRequest("That product is no longer sold; remove it from your cart.")
    if choice not in lines[0].choices:
        raise InvalidRequest("That substitute is not available for this item.")
    return with_entry(entries, entry)


def with_entry(entries: list[CartEntry], entry: CartEntry) -> list[CartEntry]:
    """The cart with `entry` in place of the product's line, or added at the end."""
    if not any(e.product_id == entry.product_id for e in entries):
        return [*entries, entry]
    return [entry if e.product_id == entry.product_id else e for e in entries]
