"""The simulated world, drawn from a seed: products, their demand, suppliers and deliveries."""

import math
import random
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

# A supplier that is not on time is this likely to be a few days late, a week late, or to
# cancel; the rest of each bucket's range is drawn uniformly.
FEW_DAYS_LATE = (0.45, 1, 4)
WEEK_LATE = (0.40, 6, 9)
CANCELLED = 0.15
# A late supplier warns the shop of the new date, 3 days before the old one, this often.
ANNOUNCED_DELAY = 0.3
NOTICE_DAYS = 3
# Suppliers' reliabilities spread around the chosen one: 1 - (1 - r) * factor.
SUPPLIERS = (("Supplier A", 0.5, 7), ("Supplier B", 1.0, 10), ("Supplier C", 1.5, 14))


class Outcome(StrEnum):
    ON_TIME = "on time"
    LATE = "late"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Supplier:
    name: str
    reliability: float  # share of shipments that arrive on the expected date
    lead_days: int  # the lead time it quotes


@dataclass(frozen=True)
class Delivery:
    """What really happens to a scheduled shipment, decided when it is ordered."""

    outcome: Outcome
    days_late: int = 0
    announced: bool = False  # the supplier tells the new date ahead (the shop edits it)


@dataclass(frozen=True)
class ProductPlan:
    """One simulated product: its supplier, lead time, demand and the staff's reorder rule."""

    sku: str
    supplier: Supplier
    lead_days: int  # the per-product lead time a "ships in N days" shop quotes
    orders_per_day: float
    reorder_point: int  # staff reorder when on hand + scheduled - waiting falls to this
    order_up_to: int
    initial_stock: int


def suppliers(reliability: float) -> tuple[Supplier, ...]:
    return tuple(
        Supplier(name, round(max(0.0, 1 - (1 - reliability) * factor), 4), lead)
        for name, factor, lead in SUPPLIERS
    )


def product_plans(rng: random.Random, count: int, reliability: float) -> list[ProductPlan]:
    """`count` products spread over the suppliers, with demand and a reorder rule each."""
    makers = suppliers(reliability)
    plans = []
    for n in range(count):
        supplier = makers[n % len(makers)]
        lead_days = max(3, supplier.lead_days + rng.randint(-2, 2))
        orders_per_day = rng.uniform(0.03, 0.15)
        units_per_day = orders_per_day * 2  # orders are 1 to 3 units
        # Reordering late (half the lead time's demand) lets backorders happen often.
        reorder_point = math.ceil(units_per_day * lead_days * 0.5)
        order_up_to = reorder_point + max(4, math.ceil(units_per_day * 14))
        plans.append(
            ProductPlan(
                sku=f"SIM-{n + 1:04d}",
                supplier=supplier,
                lead_days=lead_days,
                orders_per_day=orders_per_day,
                reorder_point=reorder_point,
                order_up_to=order_up_to,
                initial_stock=rng.randint(0, order_up_to),
            )
        )
    return plans


def delivery(rng: random.Random, supplier: Supplier) -> Delivery:
    """Draw what happens to one shipment from this supplier."""
    if rng.random() < supplier.reliability:
        return Delivery(Outcome.ON_TIME)
    draw = rng.random()
    announced = rng.random() < ANNOUNCED_DELAY
    share, low, high = FEW_DAYS_LATE
    if draw < share:
        return Delivery(Outcome.LATE, rng.randint(low, high), announced)
    week_share, low, high = WEEK_LATE
    if draw < share + week_share:
        return Delivery(Outcome.LATE, rng.randint(low, high), announced)
    return Delivery(Outcome.CANCELLED)


def orders_today(rng: random.Random, plans: list[ProductPlan]) -> list[tuple[int, int]]:
    """The day's orders as (product index, units), in the order they arrive."""
    orders = [
        (index, rng.randint(1, 3))
        for index, plan in enumerate(plans)
        for _ in range(_poisson(rng, plan.orders_per_day))
    ]
    rng.shuffle(orders)
    return orders


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: fine for the small means of one product's daily orders."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


START = date(2027, 1, 4)  # a Monday; the simulation never reads the real calendar
