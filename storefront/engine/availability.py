"""What the shop tells a shopper about a product's stock: a badge in words, never colour alone."""

import enum
from dataclasses import dataclass
from datetime import date


class Status(enum.StrEnum):
    IN_STOCK = "in-stock"
    LOW_STOCK = "low-stock"
    BACKORDER_DATED = "backorder"
    BACKORDER_UNDATED = "backorder-tbc"
    SOLD_OUT = "sold-out"


@dataclass(frozen=True)
class Availability:
    status: Status
    on_hand: int
    promise_on: date | None = None

    @property
    def ships_now(self) -> bool:
        return self.status in (Status.IN_STOCK, Status.LOW_STOCK)

    @property
    def can_order(self) -> bool:
        return self.status is not Status.SOLD_OUT

    @property
    def is_backorder(self) -> bool:
        return self.status in (Status.BACKORDER_DATED, Status.BACKORDER_UNDATED)

    @property
    def label(self) -> str:
        """The badge text; templates wrap the date in <time> themselves."""
        return {
            Status.IN_STOCK: "In stock",
            Status.LOW_STOCK: f"Only {self.on_hand} left",
            # The date a single unit gets; more units may wait for a later shipment.
            Status.BACKORDER_DATED: "Backorder — 1 ships by",
            Status.BACKORDER_UNDATED: "Backorder — date to be confirmed",
            Status.SOLD_OUT: "Sold out",
        }[self.status]


def availability_of(product) -> Availability:
    """Read the stored stock fields of a product (or any object with the same attributes)."""
    if product.on_hand > 0:
        low = product.on_hand <= product.low_stock_threshold
        return Availability(Status.LOW_STOCK if low else Status.IN_STOCK, product.on_hand)
    limit = product.backorder_limit
    if not product.allow_backorders or (limit is not None and product.waiting_units >= limit):
        return Availability(Status.SOLD_OUT, 0)
    if product.next_promise_on is None:
        return Availability(Status.BACKORDER_UNDATED, 0)
    return Availability(Status.BACKORDER_DATED, 0, product.next_promise_on)
