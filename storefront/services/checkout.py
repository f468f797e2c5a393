"""The cart as the shopper sees it: per line what ships now, what waits and until when, choices
for the waiting units, and totals computed by the same pricing rules as a placed order."""

from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from .. import engine
from ..extensions import db
from ..models import Product, Substitute
from ..pricing import Totals, order_totals, shipping_fee, substitute_unit_price
from ..queries import new_order_stock, scheduled_shipments
from .errors import InvalidRequest
from .orders import MAX_LINE_QUANTITY, Expectation, Item, expectation, refusal_message

WAIT, DROP = "wait", "drop"
MAX_CART_LINES = 50


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
    def waits(self) -> bool:
        return self.offer.accepted and self.offer.waiting > 0 and self.choice == WAIT

    @property
    def problem(self) -> str | None:
        return None if self.offer.accepted else refusal_message(self.product, self.offer)

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

    def expectation(self) -> Expectation:
        return expectation(self.product, self.offer, self.substitute, waits=self.waits)

    def shown(self) -> list:
        offer, product = self.offer, self.product
        return [
            self.quantity,
            offer.ships_now,
            offer.waiting,
            offer.promised_on.isoformat() if offer.promised_on else None,
            product.price_cents,
            product.backorder_discount_pct if offer.waiting else 0,
            product.backorder_free_shipping if offer.waiting else False,
            [
                [s.id, substitute_unit_price(product.price_cents, s.price_cents)]
                for s in self.substitutes
            ],
        ]

    def item(self) -> Item:
        return Item(
            self.product.id,
            self.quantity,
            substitute_id=self.substitute.id if self.substitute else None,
            drop_waiting=self.choice == DROP,
            expected=self.expectation(),
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

    @property
    def items(self) -> list[Item]:
        return [line.item() for line in self.lines]

    def snapshot(self) -> dict[str, list]:
        """What the page showed per product, whatever the shopper then chooses: the split,
        the date, the price, the incentive for waiting and each substitute's price."""
        return {str(line.product.id): line.shown() for line in self.lines}


def changed_since(review: CartReview, snapshot: dict) -> set[int]:
    """Products whose quantity, split, date or price differ from the snapshot."""
    now = review.snapshot()
    return {int(key) for key in now.keys() | snapshot.keys() if now.get(key) != snapshot.get(key)}


def review_cart(entries: list[CartEntry]) -> CartReview:
    """Quote every line in a fixed number of queries, whatever the cart's size.

    Lines take stock in cart order, as placing the order will: a product in two roles (a
    line of its own and another line's substitute) is not counted twice.
    """
    ids = [entry.product_id for entry in entries]
    products = {p.id: p for p in db.session.scalars(select(Product).where(Product.id.in_(ids)))}
    entries = [entry for entry in entries if entry.product_id in products]
    substitutes = defaultdict(list)
    for product_id, substitute in db.session.execute(
        select(Substitute.product_id, Product)
        .join(Product, Product.id == Substitute.substitute_id)
        .where(Substitute.product_id.in_(ids), Product.on_hand > 0)
        .order_by(Substitute.rank, Product.name)
    ):
        substitutes[product_id].append(substitute)
        products.setdefault(substitute.id, substitute)
    shipments = scheduled_shipments(products)
    stocks = {pid: new_order_stock(p, shipments[pid]) for pid, p in products.items()}

    lines = []
    for n, entry in enumerate(entries, start=1):
        product = products[entry.product_id]
        offer = engine.quote(stocks[product.id], entry.quantity)
        usable = [s for s in substitutes[product.id] if stocks[s.id].on_hand >= offer.waiting]
        choice = entry.choice
        if choice != DROP and not any(f"sub:{s.id}" == choice for s in usable):
            choice = WAIT  # a substitute that ran out (or was never offered) falls back
        line = CartLine(product, entry.quantity, offer, choice, usable)
        lines.append(line)
        if not offer.accepted:
            continue
        # Take what this line will take, under placeholder line ids, before the next line.
        taken = offer.ships_now + (offer.waiting if line.waits else 0)
        if taken:
            stocks[product.id] = engine.place(stocks[product.id], -n, taken).stock
        if offer.waiting and line.substitute is not None:
            sub = line.substitute.id
            stocks[sub] = engine.place(stocks[sub], -n - len(entries), offer.waiting).stock
    priced = [units for line in lines for units in line.priced()]
    fee = shipping_fee(current_app.config["SHIPPING_FEE_CENTS"], priced) if priced else 0
    return CartReview(lines, order_totals(priced, fee))


class CannotAdd(InvalidRequest):
    """The cart cannot take the units; `room` is how many more it could take (0: none)."""

    def __init__(self, message: str, room: int):
        super().__init__(message)
        self.room = room


def add_to_cart(entries: list[CartEntry], product_id: int, quantity: int) -> list[CartEntry]:
    """The cart with `quantity` more of the product, if the product can take the new total."""
    existing = next((e for e in entries if e.product_id == product_id), None)
    if existing is None and len(entries) >= MAX_CART_LINES:
        raise CannotAdd(f"A cart holds at most {MAX_CART_LINES} products.", 0)
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


def with_entry(entries: list[CartEntry], entry: CartEntry) -> list[CartEntry]:
    """The cart with `entry` in place of the product's line, or added at the end."""
    if not any(e.product_id == entry.product_id for e in entries):
        return [*entries, entry]
    return [entry if e.product_id == entry.product_id else e for e in entries]
