"""What the promise engine knows about one product's stock: on hand, queue, schedule, policy."""

from dataclasses import dataclass
from datetime import date


class NewLine:
    """An order line being placed, before the database gives it an id: equal only to itself."""

    def __repr__(self) -> str:
        return f"<new line {id(self):x}>"


LineRef = int | NewLine  # a stored line's id, or a line being placed


def stored_id(line: LineRef) -> int:
    """The id of a stored line, where only stored lines can be (fills, changed dates)."""
    if isinstance(line, NewLine):
        raise TypeError(f"{line!r} has no id: it was never stored")
    return line


@dataclass(frozen=True)
class QueuedLine:
    """Units of one order line waiting in the product's queue."""

    line_id: LineRef
    waiting: int
    promised_on: date | None = None  # the date the shop currently tells this line

    def __post_init__(self) -> None:
        if self.waiting <= 0:
            raise ValueError(f"line {self.line_id} must wait for at least one unit")


@dataclass(frozen=True)
class ScheduledShipment:
    """Units of the product expected to arrive on a date."""

    shipment_id: int
    quantity: int
    expected_on: date

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise ValueError(f"shipment {self.shipment_id} must bring at least one unit")


@dataclass(frozen=True)
class BackorderPolicy:
    """Whether a product takes backorders, and how many units may wait at once."""

    allow_backorders: bool = True
    backorder_limit: int | None = None  # None means no limit

    def __post_init__(self) -> None:
        if self.backorder_limit is not None and self.backorder_limit < 0:
            raise ValueError("the backorder limit cannot be negative")


@dataclass(frozen=True)
class Stock:
    """One product's supply and demand, as the engine sees it."""

    on_hand: int
    queue: tuple[QueuedLine, ...] = ()  # oldest first
    shipments: tuple[ScheduledShipment, ...] = ()  # any order
    handling_days: int = 2
    policy: BackorderPolicy = BackorderPolicy()
    today: date | None = None  # when given, overdue shipments count as arriving today
    buffer_days: int = 0  # added to every date: the supplier's usual lateness, if the shop pads

    def __post_init__(self) -> None:
        if self.on_hand < 0:
            raise ValueError("stock on hand cannot be negative")
        if self.handling_days < 0:
            raise ValueError("handling days cannot be negative")
        if self.buffer_days < 0:
            raise ValueError("buffer days cannot be negative")
        # Units on hand while lines wait would let a new order jump the queue.
        if self.on_hand > 0 and self.queue:
            raise ValueError("units on hand must go to the waiting lines first")
        if len({line.line_id for line in self.queue}) != len(self.queue):
            raise ValueError("an order line can wait in the queue only once")
        shipment_ids = {shipment.shipment_id for shipment in self.shipments}
        if len(shipment_ids) != len(self.shipments):
            raise ValueError("a shipment can be scheduled only once")

    @property
    def waiting_units(self) -> int:
        return sum(line.waiting for line in self.queue)

    @property
    def scheduled_units(self) -> int:
        return sum(shipment.quantity for shipment in self.shipments)
