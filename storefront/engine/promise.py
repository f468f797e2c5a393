"""Promise dates for waiting units, what a new order would get, and placing an order."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import Enum
from itertools import accumulate

from storefront.engine.stock import QueuedLine, ScheduledShipment, Stock


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

    def __init__(self, refusal: Refusal, max_quantity: int | None, message: str) -> None:
        super().__init__(message)
        self.refusal = refusal
        self.max_quantity = max_quantity


@dataclass(frozen=True)
class PromiseChange:
    line_id: int
    before: date | None
    after: date | None


@dataclass(frozen=True)
class Placement:
    line_id: int
    allocated: int
    waiting: int
    promised_on: date | None
    stock: Stock


def promise_dates(stock: Stock) -> dict[int, date | None]:
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


def place(stock: Stock, line_id: int, quantity: int) -> Placement:
    """Take an order line: allocate from on hand, queue the rest, or refuse the whole line."""
    if any(line.line_id == line_id for line in stock.queue):
        raise ValueError(f"line {line_id} is already waiting in the queue")
    offer = quote(stock, quantity)
    if offer.refusal is not None:
        raise BackorderRefused(offer.refusal, offer.max_quantity, _refusal_message(stock, offer))
    queue = stock.queue
    if offer.waiting:
        queue = (*queue, QueuedLine(line_id, offer.waiting))
    placed = replace(stock, on_hand=stock.on_hand - offer.ships_now, queue=queue)
    placed, _ = refresh_promises(placed)
    return Placement(line_id, offer.ships_now, offer.waiting, offer.promised_on, placed)


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
    return expected_on + timedelta(days=stock.handling_days)


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


def _refusal_message(stock: Stock, offer: Quote) -> str:
    if offer.refusal is Refusal.INVALID_QUANTITY:
        return "Choose a quantity of at least 1."
    if offer.refusal is Refusal.SOLD_OUT:
        if stock.on_hand == 0:
            return "Sold out: backorders are not taken for this product."
        return f"Only {stock.on_hand} can be ordered: backorders are not taken for this product."
    room = (offer.max_quantity or 0) - stock.on_hand
    if room == 0:
        if stock.on_hand == 0:
            return "No more can be backordered: the waiting list for this product is full."
        return f"Only {stock.on_hand} can be ordered: the waiting list for this product is full."
    if stock.on_hand == 0:
        return f"Only {room} more can be backordered."
    return (
        f"Only {offer.max_quantity} can be ordered: "
        f"{stock.on_hand} in stock and {room} more can be backordered."
    )
