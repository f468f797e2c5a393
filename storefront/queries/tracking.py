"""An order's tracking status as its customer sees it: the summary, queue places, alternatives."""

from dataclasses import dataclass
from datetime import date

from ..models import Order, OrderLine, Product
from .catalog import in_stock_substitutes
from .orders import queue_positions


@dataclass(frozen=True)
class Progress:
    """Where an order's units are, added up for the one-line summary."""

    shipped: int
    ready: int
    waiting: int
    cancelled: int
    # The last promise among the waiting lines; None if any of them has no date yet.
    expected_by: date | None

    @property
    def phrase(self) -> str:
        """E.g. "1 item shipped, 2 ready to ship, 1 waiting"."""
        parts = [
            (self.shipped, "shipped"),
            (self.ready, "ready to ship"),
            (self.waiting, "waiting"),
        ]
        if not (self.ready or self.waiting):
            parts.append((self.cancelled, "cancelled"))
        shown = [(units, what) for units, what in parts if units]
        if not shown:
            return ""
        (units, what), rest = shown[0], shown[1:]
        first = f"{units} {'item' if units == 1 else 'items'} {what}"
        return ", ".join([first, *(f"{units} {what}" for units, what in rest)])


def switched_lines(order: Order) -> dict[int, list[OrderLine]]:
    """Per line, the lines its waiting units were switched to (they count as left, not as
    cancelled: the line's `cancelled` includes them)."""
    switched: dict[int, list[OrderLine]] = {}
    for line in order.lines:
        if line.substitute_for_line_id is not None:
            switched.setdefault(line.substitute_for_line_id, []).append(line)
    return switched


def progress_of(order: Order, switched: dict[int, list[OrderLine]]) -> Progress:
    waiting_lines = [line for line in order.lines if line.waiting]
    promises = [line.promised_on for line in waiting_lines]
    switched_units = sum(line.quantity for lines in switched.values() for line in lines)
    dated = [promise for promise in promises if promise is not None]
    return Progress(
        shipped=sum(line.shipped for line in order.lines),
        ready=sum(line.allocated for line in order.lines),
        waiting=sum(line.waiting for line in waiting_lines),
        cancelled=sum(line.cancelled for line in order.lines) - switched_units,
        expected_by=max(dated) if dated and len(dated) == len(promises) else None,
    )


@dataclass(frozen=True)
class OrderStatus:
    """Everything the status fragment shows; read after the order (and so its version)."""

    order: Order
    progress: Progress
    positions: dict[int, int]  # each waiting line's place in its product's queue
    alternatives: dict[int, list[Product]]  # per waiting line: substitutes that cover it now
    switched: dict[int, list[OrderLine]]  # per line: the lines its units were switched to

    def cancelled(self, line: OrderLine) -> int:
        """The line's units cancelled outright, not switched to another item."""
        return line.cancelled - sum(other.quantity for other in self.switched.get(line.id, []))


def order_status(order: Order) -> OrderStatus:
    switched = switched_lines(order)
    waiting_lines = [line for line in order.lines if line.waiting]
    if not waiting_lines:
        return OrderStatus(order, progress_of(order, switched), {}, {}, switched)
    substitutes = in_stock_substitutes({line.product_id for line in waiting_lines})
    alternatives = {
        line.id: [p for p in substitutes[line.product_id] if p.on_hand >= line.waiting]
        for line in waiting_lines
    }
    positions = queue_positions(order)
    return OrderStatus(order, progress_of(order, switched), positions, alternatives, switched)
