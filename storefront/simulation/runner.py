"""Runs the simulated quarter through the shop's real services on a throwaway database."""

import hashlib
import random
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import func, inspect, select

from ..extensions import db
from ..models import InboundShipment, Order, OrderLine, Product, ShipmentStatus, Substitute
from ..models.types import shop_clock
from ..queries.restock import all_restock_rows
from ..services import InvalidRequest
from ..services.orders import Contact, Item, cancel_units, place_order, substitute_units
from ..services.receiving import receive_stock
from ..services.shipments import (
    cancel_shipment,
    edit_shipment,
    refresh_all_promises,
    schedule_shipments,
)
from ..services.shipping import ship_order
from ..services.suppliers import supplier_lateness
from . import world
from .policies import Policy, fixed_lead_time, next_shipment, with_buffer
from .stats import LineRecord, PolicyStats, policy_stats

# Each day, a waiting customer cancels with this chance, or switches to the substitute.
CANCEL_CHANCE = 0.01
SWITCH_CHANCE = 0.01
CONTACT = Contact("shopper@example.com", "Sam Shopper", "1 Main Street", "Springfield", "1", "US")


@dataclass(frozen=True)
class SimulationConfig:
    days: int = 90
    products: int = 200
    seed: int = 1
    reliability: float = 0.8
    handling_days: int = 2
    promise_buffer: str = "none"  # the shop's own setting while it trades

    def __post_init__(self) -> None:
        if not (1 <= self.days <= 3650 and 1 <= self.products <= 100_000):
            raise ValueError("days must be 1 to 3,650 and products 1 to 100,000")
        if not 0 <= self.reliability <= 1:
            raise ValueError("reliability must be from 0 to 1")


@dataclass
class SimulationResult:
    config: SimulationConfig
    records: list[LineRecord]
    events: list[tuple]
    counts: dict[str, int]
    policies: dict[str, PolicyStats]
    by_supplier: dict[str, dict]

    @property
    def event_digest(self) -> str:
        return hashlib.sha256(repr(self.events).encode()).hexdigest()


class SimulatedClock:
    """The shop's clock during the run: the simulated day, each reading a millisecond later,
    so orders keep their places in the queues."""

    def __init__(self, day: date) -> None:
        self.set_day(day)

    def set_day(self, day: date) -> None:
        self.day, self._ticks = day, 0

    def __call__(self) -> datetime:
        self._ticks += 1
        return datetime.combine(self.day, time(8), UTC) + timedelta(milliseconds=self._ticks)


def run_simulation(
    config: SimulationConfig, progress: Callable[[int], None] | None = None
) -> SimulationResult:
    """Trade `config.days` days on a fresh SQLite file; `progress` hears of each day done."""
    clock = SimulatedClock(world.START)
    with throwaway_shop(config), shop_clock(clock):
        trading = Trading(config, clock)
        trading.open_shop()
        for day_number in range(config.days):
            clock.set_day(world.START + timedelta(days=day_number))
            trading.trade_one_day()
            if progress:
                progress(1)
        return trading.result(world.START + timedelta(days=config.days))


@contextmanager
def throwaway_shop(config: SimulationConfig) -> Iterator[None]:
    from .. import create_app

    with tempfile.TemporaryDirectory(prefix="storefront-sim-", dir=_fast_tmp()) as folder:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "simulation",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'shop.sqlite3'}",
                "HANDLING_DAYS": config.handling_days,
                "PROMISE_BUFFER": config.promise_buffer,
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
            try:
                yield
            finally:
                db.session.remove()
                db.engine.dispose()


def _fast_tmp() -> str | None:
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() else None


@dataclass
class _Pending:
    """A scheduled shipment and what will really happen to it."""

    shipment_id: int
    product_index: int
    quantity: int
    expected_on: date
    delivery: world.Delivery


@dataclass
class Trading:
    """The shop's customers, staff and suppliers, acting day by day through the services."""

    config: SimulationConfig
    clock: SimulatedClock
    plans: list[world.ProductPlan] = field(default_factory=list)
    product_ids: list[int] = field(default_factory=list)
    records: dict[int, LineRecord] = field(default_factory=dict)
    events: list[tuple] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    supplier_news: dict[date, list[_Pending]] = field(default_factory=lambda: defaultdict(list))
    arrivals: dict[date, list[_Pending]] = field(default_factory=lambda: defaultdict(list))
    ship_due: dict[date, set[int]] = field(default_factory=lambda: defaultdict(set))

    def __post_init__(self) -> None:
        seed = self.config.seed
        self.demand = random.Random(f"{seed}:demand")
        self.suppliers = random.Random(f"{seed}:suppliers")
        self.customers = random.Random(f"{seed}:customers")
        self.plans = world.product_plans(
            random.Random(f"{seed}:catalog"), self.config.products, self.config.reliability
        )
        self.index_of: dict[int, int] = {}

    @property
    def today(self) -> date:
        return self.clock.day

    def open_shop(self) -> None:
        """The catalog, each product with its supplier, stock and one ranked substitute."""
        products = [
            Product(
                sku=plan.sku,
                slug=plan.sku.lower(),
                name=f"Simulated product {n + 1}",
                price_cents=1000,
                on_hand=plan.initial_stock,
                supplier=plan.supplier.name,
            )
            for n, plan in enumerate(self.plans)
        ]
        db.session.add_all(products)
        db.session.flush()
        self.product_ids = [product.id for product in products]
        self.index_of = {pid: n for n, pid in enumerate(self.product_ids)}
        if len(products) > 1:
            db.session.add_all(
                Substitute(product_id=pid, substitute_id=self._substitute_of(n))
                for n, pid in enumerate(self.product_ids)
            )
        db.session.commit()

    def _substitute_of(self, index: int) -> int:
        return self.product_ids[(index + 1) % len(self.product_ids)]

    def trade_one_day(self) -> None:
        self.hear_from_suppliers()
        self.receive_arrivals()
        refresh_all_promises()  # the daily job: overdue shipments move dates
        self.ship_ready_orders()
        view = self.shop_view()
        self.take_orders(view)
        self.let_customers_change_their_minds(view)
        self.reorder()
        self.look_at_dates(self.shop_view())

    def hear_from_suppliers(self) -> None:
        for pending in self.supplier_news.pop(self.today, []):
            delivery = pending.delivery
            if delivery.outcome is world.Outcome.CANCELLED:
                cancel_shipment(pending.shipment_id)
                self._event("shipment cancelled", pending.shipment_id)
                continue
            new_date = pending.expected_on + timedelta(days=delivery.days_late)
            edit_shipment(pending.shipment_id, pending.quantity, new_date)
            self._event("shipment delayed", pending.shipment_id, new_date)

    def receive_arrivals(self) -> None:
        for pending in self.arrivals.pop(self.today, []):
            product_id = self.product_ids[pending.product_index]
            result = receive_stock(product_id, pending.quantity, pending.shipment_id)
            self._event("received", pending.shipment_id, pending.quantity)
            for filled in result.filled:
                self.ship_due[self._ship_day()].add(Order.id_for_number(filled.order_number))

    def _ship_day(self) -> date:
        return self.today + timedelta(days=self.config.handling_days)

    def ship_ready_orders(self) -> None:
        shipped = []
        for order_id in sorted(self.ship_due.pop(self.today, ())):
            try:
                ship_order(order_id)
            except InvalidRequest:  # its reserved units were cancelled meanwhile
                continue
            self._event("shipped", order_id)
            shipped.append(order_id)
        done = db.session.scalars(
            select(OrderLine.id).where(
                OrderLine.order_id.in_(shipped), OrderLine.waiting == 0, OrderLine.allocated == 0
            )
        )
        for line_id in done:
            record = self.records.get(line_id)
            if record and not record.withdrawn and record.shipped_on is None:
                record.shipped_on = self.today
        db.session.commit()

    def shop_view(self) -> "ShopView":
        return ShopView.read(self.today, self.config.handling_days)

    def take_orders(self, view: "ShopView") -> None:
        for index, units in world.orders_today(self.demand, self.plans):
            order = place_order(CONTACT, [Item(self.product_ids[index], units)])
            order_id: int = inspect(order).identity[0]  # known without reloading the order
            line = db.session.execute(
                select(
                    OrderLine.id, OrderLine.allocated, OrderLine.waiting, OrderLine.promised_on
                ).where(OrderLine.order_id == order_id)
            ).one()
            db.session.commit()
            self._event("order", line.id, index, units)
            self.counts["orders"] += 1
            if line.allocated:
                self.ship_due[self._ship_day()].add(order_id)
            if line.waiting:
                record = LineRecord(line.id, self.plans[index].supplier.name, self.today)
                self.records[line.id] = record
                self._show(record, index, line.promised_on, view)

    def _show(self, record: LineRecord, index: int, queue_date, view: "ShopView") -> None:
        """What each policy tells the line now (the queue-based date is the shop's own)."""
        plan = self.plans[index]
        handling = self.config.handling_days
        product_id = self.product_ids[index]
        record.show(Policy.QUEUE, queue_date)
        record.show(Policy.FIXED, fixed_lead_time(record.placed_on, plan.lead_days, handling))
        record.show(
            Policy.NEXT_SHIPMENT,
            next_shipment(view.next_expected.get(product_id), self.today, handling),
        )
        buffer_days = view.buffers.get(plan.supplier.name, 0)
        record.show(Policy.LEARNED, with_buffer(queue_date, buffer_days))

    def let_customers_change_their_minds(self, view: "ShopView") -> None:
        for line_id, (_, waiting) in sorted(view.waiting_lines.items()):
            record = self.records[line_id]
            draw = self.customers.random()
            if draw < CANCEL_CHANCE:
                line = cancel_units(line_id, waiting=waiting)
                self._event("cancelled", line_id, waiting)
                record.withdrawn = line.allocated == 0
            elif draw < CANCEL_CHANCE + SWITCH_CHANCE:
                self._switch(record, line_id, waiting, view)

    def _switch(self, record: LineRecord, line_id: int, waiting: int, view: "ShopView") -> None:
        substitute_id = self._substitute_of(self._index_of_line(line_id, view))
        if view.on_hand.get(substitute_id, 0) < waiting:
            return  # nothing to switch to: the customer keeps waiting
        try:
            new_line = substitute_units(line_id, substitute_id, waiting)
        except InvalidRequest:
            return
        view.on_hand[substitute_id] -= waiting
        self._event("switched", line_id, waiting)
        self.ship_due[self._ship_day()].add(new_line.order_id)
        line = db.session.get_one(OrderLine, line_id)
        record.withdrawn = line.allocated == 0

    def _index_of_line(self, line_id: int, view: "ShopView") -> int:
        return self.index_of[view.waiting_lines_product[line_id]]

    def reorder(self) -> None:
        """The staff's rule: reorder up to the product's level when what is on hand and on
        its way, less what customers wait for, falls to the reorder point."""
        rows = []
        for row in all_restock_rows():
            index = self.index_of[row.product.id]
            plan = self.plans[index]
            position = row.product.on_hand + row.scheduled_units - row.waiting_units
            if position <= plan.reorder_point:
                expected_on = self.today + timedelta(days=plan.lead_days)
                rows.append((row.product.id, plan.order_up_to - position, expected_on, "PO"))
        if not rows:
            return
        for shipment in schedule_shipments(rows):
            self._expect(shipment)

    def _expect(self, shipment: InboundShipment) -> None:
        index = self.index_of[shipment.product_id]
        delivery = world.delivery(self.suppliers, self.plans[index].supplier)
        pending = _Pending(shipment.id, index, shipment.quantity, shipment.expected_on, delivery)
        self._event("scheduled", shipment.id, index, shipment.quantity, shipment.expected_on)
        self.counts[f"shipments {delivery.outcome}"] += 1
        notice = max(
            self.today + timedelta(days=1),
            shipment.expected_on - timedelta(days=world.NOTICE_DAYS),
        )
        if delivery.outcome is world.Outcome.CANCELLED:
            self.supplier_news[notice].append(pending)
            return
        if delivery.announced:
            self.supplier_news[notice].append(pending)
        arrives = shipment.expected_on + timedelta(days=delivery.days_late)
        self.arrivals[arrives].append(pending)

    def look_at_dates(self, view: "ShopView") -> None:
        """End of day: the date every policy shows each line still waiting."""
        for line_id, (promised_on, _) in view.waiting_lines.items():
            record = self.records[line_id]
            self._show(record, self._index_of_line(line_id, view), promised_on, view)

    def _event(self, kind: str, *facts) -> None:
        self.events.append((self.today.isoformat(), kind, *facts))

    def result(self, end: date) -> SimulationResult:
        records = list(self.records.values())
        policies = {str(p): policy_stats(records, p, end) for p in Policy}
        by_supplier = {}
        for supplier in world.suppliers(self.config.reliability):
            own = [r for r in records if r.supplier == supplier.name]
            by_supplier[supplier.name] = {
                "reliability": supplier.reliability,
                "policies": {str(p): policy_stats(own, p, end) for p in Policy},
            }
        self.counts["backordered lines"] = len(records)
        return SimulationResult(
            self.config, records, self.events, dict(self.counts), policies, by_supplier
        )


@dataclass
class ShopView:
    """What the simulated staff and customers can see of the shop at one moment."""

    waiting_lines: dict[int, tuple[date | None, int]]  # line id: (its promise, units waiting)
    waiting_lines_product: dict[int, int]
    on_hand: dict[int, int]
    next_expected: dict[int, date]  # product id: its earliest scheduled shipment
    buffers: dict[str, int]  # supplier: its learned buffer days

    @classmethod
    def read(cls, today: date, handling_days: int) -> "ShopView":
        lines = db.session.execute(
            select(OrderLine.id, OrderLine.product_id, OrderLine.promised_on, OrderLine.waiting)
            .where(OrderLine.waiting > 0)
            .order_by(OrderLine.id)
        ).all()
        next_expected = db.session.execute(
            select(InboundShipment.product_id, func.min(InboundShipment.expected_on))
            .where(InboundShipment.status == ShipmentStatus.SCHEDULED)
            .group_by(InboundShipment.product_id)
        ).all()
        on_hand = db.session.execute(select(Product.id, Product.on_hand)).all()
        view = cls(
            waiting_lines={row.id: (row.promised_on, row.waiting) for row in lines},
            waiting_lines_product={row.id: row.product_id for row in lines},
            on_hand=dict(on_hand),
            next_expected=dict(next_expected),
            buffers={s: lateness.buffer_days for s, lateness in supplier_lateness().items()},
        )
        db.session.commit()  # end the read: the services open their own transactions
        return view
