"""Supply reaching the queue: receiving stock, releasing units, changing the schedule."""

from dataclasses import dataclass, replace
from datetime import date

from storefront.engine.promise import PromiseChange, refresh_promises
from storefront.engine.stock import LineRef, QueuedLine, ScheduledShipment, Stock


@dataclass(frozen=True)
class Fill:
    """Units moved from supply to a waiting line; they become allocated to it."""

    line_id: LineRef
    units: int


@dataclass(frozen=True)
class Receipt:
    received: int
    fills: tuple[Fill, ...]  # in queue order
    to_on_hand: int
    stock: Stock
    promise_changes: tuple[PromiseChange, ...]


@dataclass(frozen=True)
class Release:
    fills: tuple[Fill, ...]
    stock: Stock
    promise_changes: tuple[PromiseChange, ...]


def receive(
    stock: Stock,
    quantity: int,
    shipment_id: int | None = None,
    rest: ScheduledShipment | None = None,
) -> Receipt:
    """Fill the queue oldest first with received units; the rest go on hand.

    Received against a shipment, it leaves the schedule; `rest` is what is still expected
    of it when only part arrived (it joins the schedule in the same step, so the waiting
    lines are dated once). Pure, so a preview is the same call with the result unwritten.
    """
    if quantity < 0:
        raise ValueError("cannot receive a negative quantity")
    shipments = stock.shipments
    if shipment_id is not None:
        shipments = _without_shipment(shipments, shipment_id)
    if rest is not None:
        if shipment_id is None:
            raise ValueError("only a delivery against a shipment can leave a rest expected")
        shipments = (*shipments, rest)
    fills, queue, to_on_hand = _serve_queue(stock.queue, quantity)
    received = replace(stock, on_hand=stock.on_hand + to_on_hand, queue=queue, shipments=shipments)
    received, changes = refresh_promises(received)
    return Receipt(quantity, fills, to_on_hand, received, changes)


def release(stock: Stock, line_id: int, waiting: int = 0, allocated: int = 0) -> Release:
    """Take units off a line: waiting units leave the queue, allocated units serve it again."""
    if waiting < 0 or allocated < 0:
        raise ValueError("cannot release a negative number of units")
    queue = _leave_queue(stock.queue, line_id, waiting)
    fills, queue, to_on_hand = _serve_queue(queue, allocated)
    released = replace(stock, on_hand=stock.on_hand + to_on_hand, queue=queue)
    released, changes = refresh_promises(released)
    return Release(fills, released, changes)


def reschedule(stock: Stock, shipments: tuple[ScheduledShipment, ...]) -> Release:
    """Replace the expected shipments (add, edit or cancel one) and report moved promises."""
    rescheduled, changes = refresh_promises(replace(stock, shipments=tuple(shipments)))
    return Release((), rescheduled, changes)


def move_shipment(stock: Stock, shipment_id: int, quantity: int, expected_on: date) -> Release:
    """A supplier changed a shipment's quantity or date: re-date the waiting lines."""
    _without_shipment(stock.shipments, shipment_id)  # it must be scheduled
    moved = ScheduledShipment(shipment_id, quantity, expected_on)
    return reschedule(
        stock, tuple(moved if s.shipment_id == shipment_id else s for s in stock.shipments)
    )


def drop_shipment(stock: Stock, shipment_id: int) -> Release:
    """A shipment will not come: the lines it covered wait for later supply, or a date."""
    return reschedule(stock, _without_shipment(stock.shipments, shipment_id))


def _serve_queue(
    queue: tuple[QueuedLine, ...], supply: int
) -> tuple[tuple[Fill, ...], tuple[QueuedLine, ...], int]:
    """Give supply to waiting lines oldest first: the fills, the queue left, the units left."""
    fills: list[Fill] = []
    for position, line in enumerate(queue):
        if supply < line.waiting:
            if supply > 0:
                fills.append(Fill(line.line_id, supply))
                # A partly filled line keeps its place at the front.
                line = replace(line, waiting=line.waiting - supply)
            return tuple(fills), (line, *queue[position + 1 :]), 0
        fills.append(Fill(line.line_id, line.waiting))
        supply -= line.waiting
    return tuple(fills), (), supply


def _leave_queue(queue: tuple[QueuedLine, ...], line_id: int, units: int) -> tuple[QueuedLine, ...]:
    if units == 0:
        return queue
    for position, line in enumerate(queue):
        if line.line_id != line_id:
            continue
        if units > line.waiting:
            raise ValueError(f"line {line_id} has only {line.waiting} units waiting")
        rest = queue[position + 1 :]
        if units == line.waiting:
            return (*queue[:position], *rest)
        return (*queue[:position], replace(line, waiting=line.waiting - units), *rest)
    raise ValueError(f"line {line_id} has no units waiting")


def _without_shipment(
    shipments: tuple[ScheduledShipment, ...], shipment_id: int
) -> tuple[ScheduledShipment, ...]:
    remaining = tuple(s for s in shipments if s.shipment_id != shipment_id)
    if len(remaining) == len(shipments):
        raise ValueError(f"shipment {shipment_id} is not scheduled")
    return remaining
