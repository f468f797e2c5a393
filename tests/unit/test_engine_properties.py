"""Generated sequences of shop events, checked against the promise engine's invariants."""

from dataclasses import dataclass
from datetime import date, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from storefront.engine import (
    BackorderPolicy,
    BackorderRefused,
    Fill,
    PromiseChange,
    Refusal,
    ScheduledShipment,
    Stock,
    place,
    promise_changes,
    promise_dates,
    quote,
    receive,
    release,
    reschedule,
)

TODAY = date(2025, 3, 3)


@dataclass
class OrderLine:
    """The caller's record of one order line, updated only from the engine's results."""

    ordered: int
    allocated: int = 0
    waiting: int = 0
    shipped: int = 0
    cancelled: int = 0


def arrivals_unit_by_unit(stock: Stock) -> list[date]:
    """Expected date of every scheduled unit, in the order units arrive."""
    arrivals = sorted(stock.shipments, key=lambda s: (s.expected_on, s.shipment_id))
    return [s.expected_on for s in arrivals for _ in range(s.quantity)]


def promise_for_unit(stock: Stock, unit: int) -> date | None:
    arrivals = arrivals_unit_by_unit(stock)
    if unit > len(arrivals):
        return None
    return arrivals[unit - 1] + timedelta(days=stock.handling_days)


def promises_unit_by_unit(stock: Stock) -> dict[int, date | None]:
    """Promise dates counted one unit at a time: slow, obvious, and independent of the engine."""
    promises = {}
    units_ahead = 0
    for line in stock.queue:
        units_ahead += line.waiting
        promises[line.line_id] = promise_for_unit(stock, units_ahead)
    return promises


def sort_key(promise: date | None) -> date:
    return date.max if promise is None else promise


class ProductStockFlow(RuleBasedStateMachine):
    """Customers order and cancel, staff schedule, receive and ship, for one product."""

    @initialize(
        on_hand=st.integers(0, 6),
        allow_backorders=st.booleans(),
        backorder_limit=st.none() | st.integers(0, 15),
        handling_days=st.integers(0, 3),
    )
    def open_product(
        self, on_hand: int, allow_backorders: bool, backorder_limit: int | None, handling_days: int
    ) -> None:
        policy = BackorderPolicy(allow_backorders, backorder_limit)
        self.stock = Stock(on_hand, handling_days=handling_days, policy=policy)
        self.lines: dict[int, OrderLine] = {}
        self.supplied = on_hand  # every unit that ever entered supply
        self.last_line_id = 0
        self.last_shipment_id = 0

    # Customers

    @rule(quantity=st.integers(-1, 8))
    def place_order(self, quantity: int) -> None:
        self.last_line_id += 1
        offer = quote(self.stock, quantity)
        try:
            placement = place(self.stock, self.last_line_id, quantity)
        except BackorderRefused as refused:
            assert refused.refusal is offer.refusal is not None
            assert refused.max_quantity == offer.max_quantity
            if refused.refusal is not Refusal.INVALID_QUANTITY:
                assert refused.max_quantity is not None and quantity > refused.max_quantity
            assert str(refused)
            return
        assert offer.accepted
        assert offer.max_quantity is None or quantity <= offer.max_quantity
        assert (placement.allocated, placement.waiting) == (offer.ships_now, offer.waiting)
        assert placement.promised_on == offer.promised_on
        self.lines[self.last_line_id] = OrderLine(
            ordered=quantity, allocated=placement.allocated, waiting=placement.waiting
        )
        self.take(placement.stock, fills=(), changes=())

    @precondition(lambda self: self.stock.queue)
    @rule(data=st.data())
    def cancel_waiting_units(self, data: st.DataObject) -> None:
        line_id = data.draw(st.sampled_from([line.line_id for line in self.stock.queue]))
        line = self.lines[line_id]
        units = data.draw(st.integers(1, line.waiting))
        result = release(self.stock, line_id, waiting=units)
        line.waiting -= units
        line.cancelled += units
        assert result.fills == ()
        self.take(result.stock, result.fills, result.promise_changes)

    @precondition(lambda self: any(line.allocated for line in self.lines.values()))
    @rule(data=st.data())
    def cancel_allocated_units(self, data: st.DataObject) -> None:
        line_id = data.draw(st.sampled_from(self.line_ids_with_allocated()))
        line = self.lines[line_id]
        units = data.draw(st.integers(1, line.allocated))
        result = release(self.stock, line_id, allocated=units)
        line.allocated -= units
        line.cancelled += units
        self.take(result.stock, result.fills, result.promise_changes)

    @precondition(lambda self: any(line.allocated or line.waiting for line in self.lines.values()))
    @rule(data=st.data())
    def cancel_whole_line(self, data: st.DataObject) -> None:
        open_lines = [id_ for id_, line in self.lines.items() if line.allocated or line.waiting]
        line = self.lines[line_id := data.draw(st.sampled_from(open_lines))]
        result = release(self.stock, line_id, waiting=line.waiting, allocated=line.allocated)
        line.cancelled += line.waiting + line.allocated
        line.waiting = line.allocated = 0
        assert all(fill.line_id != line_id for fill in result.fills)
        self.take(result.stock, result.fills, result.promise_changes)

    # Staff

    @rule(quantity=st.integers(1, 8), in_days=st.integers(0, 20))
    def schedule_shipment(self, quantity: int, in_days: int) -> None:
        self.last_shipment_id += 1
        expected = ScheduledShipment(self.last_shipment_id, quantity, TODAY + timedelta(in_days))
        result = reschedule(self.stock, (*self.stock.shipments, expected))
        assert result.fills == ()
        self.take(result.stock, result.fills, result.promise_changes)

    @precondition(lambda self: self.stock.shipments)
    @rule(data=st.data(), quantity=st.integers(1, 8), in_days=st.integers(0, 20))
    def edit_shipment(self, data: st.DataObject, quantity: int, in_days: int) -> None:
        edited = data.draw(st.sampled_from(self.stock.shipments))
        shipments = tuple(
            ScheduledShipment(s.shipment_id, quantity, TODAY + timedelta(in_days))
            if s == edited
            else s
            for s in self.stock.shipments
        )
        result = reschedule(self.stock, shipments)
        self.take(result.stock, result.fills, result.promise_changes)

    @precondition(lambda self: self.stock.shipments)
    @rule(data=st.data())
    def cancel_shipment(self, data: st.DataObject) -> None:
        cancelled = data.draw(st.sampled_from(self.stock.shipments))
        shipments = tuple(s for s in self.stock.shipments if s != cancelled)
        result = reschedule(self.stock, shipments)
        self.take(result.stock, result.fills, result.promise_changes)

    @rule(quantity=st.integers(0, 10), data=st.data())
    def receive_stock(self, quantity: int, data: st.DataObject) -> None:
        shipment_ids = [s.shipment_id for s in self.stock.shipments]
        shipment_id = data.draw(st.none() | st.sampled_from(shipment_ids)) if shipment_ids else None
        # (A preview is the same pure call; that it equals what is written is checked
        # against the database in tests/integration.)
        receipt = receive(self.stock, quantity, shipment_id)
        assert sum(fill.units for fill in receipt.fills) + receipt.to_on_hand == quantity
        assert shipment_id not in {s.shipment_id for s in receipt.stock.shipments}
        self.supplied += quantity
        self.take(receipt.stock, receipt.fills, receipt.promise_changes)

    @precondition(lambda self: any(s.quantity > 1 for s in self.stock.shipments))
    @rule(data=st.data(), in_days=st.integers(0, 20))
    def receive_part_of_a_shipment(self, data: st.DataObject, in_days: int) -> None:
        shipment = data.draw(st.sampled_from([s for s in self.stock.shipments if s.quantity > 1]))
        arrived = data.draw(st.integers(1, shipment.quantity - 1))
        self.last_shipment_id += 1
        rest = ScheduledShipment(
            self.last_shipment_id, shipment.quantity - arrived, TODAY + timedelta(in_days)
        )
        receipt = receive(self.stock, arrived, shipment.shipment_id, rest)
        assert rest in receipt.stock.shipments
        assert receipt.stock.scheduled_units == self.stock.scheduled_units - arrived
        self.supplied += arrived
        self.take(receipt.stock, receipt.fills, receipt.promise_changes)

    @precondition(lambda self: any(line.allocated for line in self.lines.values()))
    @rule(data=st.data())
    def ship_allocated_units(self, data: st.DataObject) -> None:
        line = self.lines[data.draw(st.sampled_from(self.line_ids_with_allocated()))]
        units = data.draw(st.integers(1, line.allocated))
        line.allocated -= units
        line.shipped += units

    # Applying the engine's results as a service would

    def line_ids_with_allocated(self) -> list[int]:
        return [line_id for line_id, line in self.lines.items() if line.allocated]

    def take(
        self, stock: Stock, fills: tuple[Fill, ...], changes: tuple[PromiseChange, ...]
    ) -> None:
        before = self.stock
        for fill in fills:
            assert fill.units > 0
            self.lines[fill.line_id].waiting -= fill.units
            self.lines[fill.line_id].allocated += fill.units
        self.check_queue_served_in_order(before, fills)
        self.check_changes_reported(before, stock, changes)
        self.stock = stock

    def check_queue_served_in_order(self, before: Stock, fills: tuple[Fill, ...]) -> None:
        place_in_queue = {line.line_id: index for index, line in enumerate(before.queue)}
        filled_places = [place_in_queue[fill.line_id] for fill in fills]
        assert filled_places == sorted(set(filled_places))
        if filled_places:
            ahead_of_last_fill = before.queue[: filled_places[-1]]
            assert all(self.lines[line.line_id].waiting == 0 for line in ahead_of_last_fill)

    def check_changes_reported(
        self, before: Stock, after: Stock, changes: tuple[PromiseChange, ...]
    ) -> None:
        told = {line.line_id: line.promised_on for line in before.queue}
        expected = tuple(
            PromiseChange(line.line_id, told[line.line_id], line.promised_on)
            for line in after.queue
            if line.line_id in told and told[line.line_id] != line.promised_on
        )
        assert changes == expected

    # Invariants

    @invariant()
    def every_unit_of_a_line_is_accounted_for(self) -> None:
        for line in self.lines.values():
            parts = (line.allocated, line.waiting, line.shipped, line.cancelled)
            assert min(parts) >= 0
            assert sum(parts) == line.ordered

    @invariant()
    def no_unit_is_allocated_twice(self) -> None:
        taken = sum(line.allocated + line.shipped for line in self.lines.values())
        assert self.stock.on_hand + taken == self.supplied

    @invariant()
    def queue_holds_the_waiting_lines_in_order_placed(self) -> None:
        queued = [(line.line_id, line.waiting) for line in self.stock.queue]
        waiting = [(line_id, line.waiting) for line_id, line in self.lines.items() if line.waiting]
        assert queued == waiting

    @invariant()
    def stock_on_hand_serves_the_queue_first(self) -> None:
        assert self.stock.on_hand >= 0
        assert self.stock.on_hand == 0 or not self.stock.queue

    @invariant()
    def backorder_policy_is_kept(self) -> None:
        policy = self.stock.policy
        if not policy.allow_backorders:
            assert not self.stock.queue
        if policy.backorder_limit is not None:
            assert self.stock.waiting_units <= policy.backorder_limit

    @invariant()
    def promises_never_get_earlier_along_the_queue(self) -> None:
        promises = [sort_key(promise) for promise in promise_dates(self.stock).values()]
        assert promises == sorted(promises)
        new_order = quote(self.stock, 1)
        if promises and new_order.waiting:
            assert sort_key(new_order.promised_on) >= promises[-1]

    @invariant()
    def promises_match_counting_unit_by_unit(self) -> None:
        assert promise_dates(self.stock) == promises_unit_by_unit(self.stock)
        for quantity in (1, 3):
            offer = quote(self.stock, quantity)
            if offer.waiting:
                last_unit = self.stock.waiting_units + offer.waiting
                assert offer.promised_on == promise_for_unit(self.stock, last_unit)

    @invariant()
    def stored_promises_are_the_fresh_ones(self) -> None:
        stored = {line.line_id: line.promised_on for line in self.stock.queue}
        assert stored == promise_dates(self.stock)
        assert promise_changes(self.stock) == ()


ProductStockFlow.TestCase.settings = settings(
    max_examples=300, stateful_step_count=30, deadline=None
)
TestProductStockFlow = ProductStockFlow.TestCase
