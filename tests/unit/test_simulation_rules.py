"""The simulation's pure parts: policies' dates, how lines are judged, supplier lateness."""

import random
from datetime import date, timedelta

from storefront.engine.lateness import SupplierLateness, percentile
from storefront.simulation import world
from storefront.simulation.policies import Policy, fixed_lead_time, next_shipment, with_buffer
from storefront.simulation.stats import LineRecord, policy_stats

DAY = date(2027, 3, 1)


def d(n: int) -> date:
    return DAY + timedelta(days=n)


def test_percentile_is_nearest_rank():
    assert percentile([], 90) == 0
    assert percentile([5], 90) == 5
    assert percentile(list(range(1, 11)), 90) == 9
    assert percentile(list(range(1, 11)), 95) == 10


def test_buffer_covers_nine_in_ten_deliveries_and_never_goes_negative():
    # 18 of 20 within 0 days: nothing to add; 17 of 20 on time, the 18th 2 days late: 2.
    assert SupplierLateness("A", (0,) * 18 + (3, 7)).buffer_days == 0
    assert SupplierLateness("A", (0,) * 17 + (2, 3, 7)).buffer_days == 2
    assert SupplierLateness("A", (-2, -1, 0)).buffer_days == 0
    late = SupplierLateness("B", (0, 0, 4, -1))
    assert late.on_time_share == 0.75
    assert late.mean_days_late == 1.0


def test_fixed_lead_time_counts_from_the_order_day():
    assert fixed_lead_time(DAY, 10, 2) == d(12)


def test_next_shipment_takes_the_earliest_one_and_never_a_past_date():
    assert next_shipment(d(5), DAY, 2) == d(7)
    assert next_shipment(d(-3), DAY, 2) == d(2)
    assert next_shipment(None, DAY, 2) is None


def test_learned_buffer_pads_a_date_but_not_a_date_to_be_confirmed():
    assert with_buffer(d(4), 3) == d(7)
    assert with_buffer(None, 3) is None


def _record(line_id, first, shipped_on=None, *later):
    record = LineRecord(line_id, "A", DAY, shipped_on=shipped_on)
    for shown in (first, *later):
        record.show(Policy.QUEUE, shown)
    return record


def test_a_line_is_kept_when_it_ships_on_or_before_its_first_date():
    records = [
        _record(1, d(5), d(5)),  # kept on the day
        _record(2, d(5), d(8), d(8)),  # moved later, shipped 3 days after the first date
        _record(3, None, d(9), d(9)),  # to be confirmed, then dated and kept
        _record(4, d(20)),  # still waiting, date not passed: not judged yet
        _record(5, d(3)),  # still waiting, date passed: late by the end
    ]
    stats = policy_stats(records, Policy.QUEUE, end=d(10))
    assert stats.judged == 4
    assert stats.kept_share == 0.5
    assert stats.mean_days_late == (0 + 3 + 0 + 7) / 4
    assert stats.tbc_share == 0.2
    assert stats.changes_per_line == (0 + 1 + 1 + 0 + 0) / 5
    assert stats.mean_days_promised == (5 + 5 + 9 + 20 + 3) / 5


def test_withdrawn_lines_are_not_judged():
    record = _record(1, d(2))
    record.withdrawn = True
    assert policy_stats([record], Policy.QUEUE, end=d(10)).judged == 0


def test_perfect_suppliers_always_deliver_on_time():
    rng = random.Random(4)
    for supplier in world.suppliers(1.0):
        assert supplier.reliability == 1.0
        assert {world.delivery(rng, supplier).outcome for _ in range(200)} == {
            world.Outcome.ON_TIME
        }


def test_unreliable_suppliers_are_late_a_few_days_a_week_or_cancel():
    rng = random.Random(4)
    supplier = world.Supplier("X", 0.0, 10)
    deliveries = [world.delivery(rng, supplier) for _ in range(400)]
    late = {delivery.days_late for delivery in deliveries if delivery.outcome == "late"}
    assert late <= {1, 2, 3, 4, 6, 7, 8, 9} and {1, 9} <= late
    assert any(delivery.outcome == "cancelled" for delivery in deliveries)
    assert all(delivery.outcome != "on time" for delivery in deliveries)


def test_suppliers_spread_around_the_chosen_reliability():
    assert [s.reliability for s in world.suppliers(0.8)] == [0.9, 0.8, 0.7]
