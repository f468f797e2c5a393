"""Order money, in integer cents: what a line and an order cost, incentives included."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


class PricedLine(Protocol):
    """What pricing reads from a line: stored order lines and frozen cart lines alike."""

    @property
    def quantity(self) -> int: ...
    @property
    def cancelled(self) -> int: ...
    @property
    def unit_price_cents(self) -> int: ...
    @property
    def backorder_discount_pct(self) -> int: ...
    @property
    def backorder_free_shipping(self) -> bool: ...
    @property
    def backordered_units(self) -> int: ...


@dataclass(frozen=True)
class Totals:
    subtotal_cents: int
    discount_cents: int
    shipping_cents: int

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents - self.discount_cents + self.shipping_cents


def line_subtotal(line: PricedLine) -> int:
    return (line.quantity - line.cancelled) * line.unit_price_cents


def line_discount(line: PricedLine) -> int:
    """The waiting incentive: a percentage off the backordered units still being bought."""
    units = min(line.backordered_units, line.quantity - line.cancelled)
    return units * line.unit_price_cents * line.backorder_discount_pct // 100


def order_totals(lines: Iterable[PricedLine], shipping_cents: int) -> Totals:
    lines = list(lines)
    return Totals(
        subtotal_cents=sum(line_subtotal(line) for line in lines),
        discount_cents=sum(line_discount(line) for line in lines),
        shipping_cents=shipping_cents,
    )


def shipping_fee(flat_fee_cents: int, lines: Iterable[PricedLine]) -> int:
    """The flat fee, waived when a backordered line carries the free-shipping incentive."""
    free = any(line.backorder_free_shipping and line.backordered_units for line in lines)
    return 0 if free else flat_fee_cents


def substitute_unit_price(original_cents: int, substitute_cents: int) -> int:
    """Taking an in-stock substitute instead of waiting never costs more."""
    return min(original_cents, substitute_cents)
