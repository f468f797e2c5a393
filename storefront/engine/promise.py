"""Promise dates for waiting units, what a new order would get, and placing an order."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import Enum
from itertools import accumulate

from storefront.engine.stock import LineRef, QueuedLine, ScheduledShipment, Stock


class Refusal(Enum):
    """Why an order cannot be taken as asked."""

    SOLD_OUT = "sold_out"
    LIMIT_REACHED = "limit_reached"
    INVALID_QUANTITY = "invalid_quantity"


@dataclass(frozen=True)
class Quote:
    """What an order of `quantity` units would get now, without changing anything."""

    quantity: int
    ships_now: int
    waiting: int
    promised_on: date | None  # for the waiting units; None if none wait or supply does not cover
    refusal: Refusal | None
    max_quantity: int | None  # None means no limit

    @property
    def accepted(self) -> bool:
        return self.refusal is None

    @property
    def to_be_confirmed(self) -> bool:
        return self.waiting > 0 and self.promised_on is None


class BackorderRefused(Exception):
    """An order the product cannot take; str() is a message fit for the customer."""

    def __init__(self, offer: Quote) -> None:
        super().__init__(refusal_message(offer))
        self.offer = offer
        self.refusal = offer.refusal
        self.max_quantity = offer.max_quantity


def refusal_message(offer: Quote, name: str | None = None) -> str:
    """Why the quantity cannot be taken and the most that can, in the same words everywhere.

    `name` says which product, where the page does not (a cart line, an order).
    """
    if offer.refusal is Refusal.INVALID_QUANTITY:
        return "Choose a quantity of at least 1."
    on_hand = offer.ships_now  # a refused quantity is more than on hand, so all of it ships
    of_it = f" of {name}" if name else ""
    if offer.refusal is Refusal.SOLD_OUT:
        reason = "backorders are not taken for this product."
        if on_hand == 0:
            return f"{name} is sold out: {reason}" if name else f"Sold out: {reason}"
        return f"Only {on_hand}{of_it} can be ordered: {reason}"
    room = (offer.max_quantity or 0) - on_hand
    full = "the waiting list for this product is full."
    if room == 0:
        if on_hand == 0:
            return f"No more{of_it} can be backordered: {full}"
        return f"Only {on_hand}{of_it} can be ordered: {full}"
    if on_hand == 0:
        return f"Only {room} more{of_it} can be backordered."
    return (
        f"Only {offer.max_quantity}{of_it} can be ordered: "
        f"{on_hand} in stock and {room} more can be backordered."
    )


@dataclass(frozen=True)
class PromiseChange:
    line_id: LineRef
    before: date | None
    after: date | None


@dataclass(frozen=True)
class Placement:
    line_id: LineRef
    allocated: int
    waiting: int
    promised_on: date | None
    stock: Stock
    offer: Quote  # what the whole quantity would get: the shopper's view of the line


def promise_dates(stock: Stock) -> dict[LineRef, date | None]:
    """The date each queued line can be promised, by line id."""
    last_units = accumulate(line.waiting for line in stock.queue)
    covering_dates = _covering_dates(last_units, stock.shipments)
    return {
        line.line_id: _plus_handling(expected_on, stock)
        for line, expected_on in zip(stock.queue, covering_dates, strict=True)
    }


def promise_changes(stock: Stock) -> tuple[PromiseChange, ...]:
    """Queued lines whose stored promise differs from the date the schedule supports."""
    return refresh_promises(stock)[1]


def refresh_promises(stock: Stock) -> tuple[Stock, tuple[PromiseChange, ...]]:
    """The stock with every queued line's promise set to its fresh date, and what changed."""
    fresh = promise_dates(stock)
    changes = tuple(
        PromiseChange(line.line_id, line.promised_on, fresh[line.line_id])
        for line in stock.queue
        if line.promised_on != fresh[line.line_id]
    )
    if not changes:
        return stock, changes
    queue = tuple(replace(line, promised_on=fresh[line.line_id]) for line in stock.queue)
    return replace(stock, queue=queue), changes


def quote(stock: Stock, quantity: int) -> Quote:
    """What an order of `quantity` units would get now: shipped, waiting, date, or a refusal."""
    room = _room_to_wait(stock)
    max_quantity = None if room is None else stock.on_hand + room
    if quantity <= 0:
        return Quote(quantity, 0, 0, None, Refusal.INVALID_QUANTITY, max_quantity)
    ships_now = min(quantity, stock.on_hand)
    waiting = quantity - ships_now
    return Quote(
        quantity=quantity,
        ships_now=ships_now,
        waiting=waiting,
        promised_on=_new_order_promise(stock, waiting),
        refusal=_refusal(stock, waiting, room),
        max_quantity=max_quantity,
    )


def place(stock: Stock, line_id: LineRef, quantity: int, *, queue_rest: bool = True) -> Placement:
    """Take an order line: allocate from on hand, queue the rest, or refuse the whole line.

    With `queue_rest` false the units that would wait are not taken (the shopper drops them
    or takes a substitute); the placement's `offer` still says what they would have got.
    A line being placed needs no id yet: `NewLine()` is a reference of its own.
    """
    if any(line.line_id == line_id for line in stock.queue):
        raise ValueError(f"line {line_id} is already waiting in the queue")
    offer = quote(stock, quantity)
    if offer.refusal is not None:
        raise BackorderRefused(offer)
    waiting = offer.waiting if queue_rest else 0
    queue = (*stock.queue, QueuedLine(line_id, waiting)) if waiting else stock.queue
    placed = replace(stock, on_hand=stock.on_hand - offer.ships_now, queue=queue)
    placed, _ = refresh_promises(placed)
    promised_on = offer.promised_on if waiting else None
    return Placement(line_id, offer.ships_now, waiting, promised_on, placed, offer)


def _covering_dates(
    last_units: Iterable[int], shipments: Iterable[ScheduledShipment]
) -> Iterator[date | None]:
    """Expected date of the shipment covering each queue position (positions never decrease)."""
    arrivals = iter(sorted(shipments, key=lambda s: (s.expected_on, s.shipment_id)))
    covered = 0
    covering: ScheduledShipment | None = None
    for position in last_units:
        while covered < position and (covering := next(arrivals, None)) is not None:
            covered += covering.quantity
        yield covering.expected_on if covering is not None and covered >= position else None


def _plus_handling(expected_on: date | None, stock: Stock) -> date | None:
    if expected_on is None:
        return None
    # A shipment that is overdue but still expected can arrive today at the earliest:
    # never promise a date that has already passed.
    if stock.today is not None and expected_on < stock.today:
        expected_on = stock.today
    return expected_on + timedelta(days=stock.buffer_days + stock.handling_days)


def _new_order_promise(stock: Stock, waiting: int) -> date | None:
    if waiting == 0:
        return None
    last_unit = stock.waiting_units + waiting
    expected_on = next(_covering_dates([last_unit], stock.shipments))
    return _plus_handling(expected_on, stock)


def _room_to_wait(stock: Stock) -> int | None:
    """How many more units may join the queue; None means no limit."""
    policy = stock.policy
    if not policy.allow_backorders:
        return 0
    if policy.backorder_limit is None:
        return None
    return max(0, policy.backorder_limit - stock.waiting_units)


def _refusal(stock: Stock, waiting: int, room: int | None) -> Refusal | None:
    if waiting == 0 or room is None or waiting <= room:
        return None
    if not stock.policy.allow_backorders:
        return Refusal.SOLD_OUT
    return Refusal.LIMIT_REACHED
