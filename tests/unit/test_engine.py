"""Unit tests for the promise engine, on plain objects."""

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import pytest

from storefront.engine import (
    BackorderPolicy,
    BackorderRefused,
    Fill,
    PromiseChange,
    QueuedLine,
    Refusal,
    ScheduledShipment,
    Stock,
    drop_shipment,
    move_shipment,
    place,
    promise_changes,
    promise_dates,
    quote,
    receive,
    release,
    reschedule,
)

TODAY = date(2025, 3, 3)


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def shipment(shipment_id: int, quantity: int, in_days: int) -> ScheduledShipment:
    return ScheduledShipment(shipment_id, quantity, day(in_days))


def make_stock(
    on_hand: int = 0,
    queue: tuple[QueuedLine, ...] = (),
    shipments: tuple[ScheduledShipment, ...] = (),
    handling_days: int = 0,
    **policy: object,
) -> Stock:
    return Stock(on_hand, queue, shipments, handling_days, BackorderPolicy(**policy))


def test_receiving_fills_the_oldest_lines_first() -> None:
    stock = make_stock(queue=(QueuedLine(1, 2), QueuedLine(2, 3), QueuedLine(3, 1)))

    receipt = receive(stock, 4)

    assert receipt.fills == (Fill(1, 2), Fill(2, 2))
    assert [(line.line_id, line.waiting) for line in receipt.stock.queue] == [(2, 1), (3, 1)]
    assert receipt.to_on_hand == 0
    assert receipt.stock.on_hand == 0


def test_a_partly_filled_line_keeps_its_place() -> None:
    stock = make_stock(queue=(QueuedLine(1, 5), QueuedLine(2, 1)))

    receipt = receive(stock, 3)

    assert receipt.fills == (Fill(1, 3),)
    assert receipt.stock.queue[0].line_id == 1
    assert receipt.stock.queue[0].waiting == 2


def test_a_line_split_across_two_shipments_is_promised_the_date_of_its_last_unit() -> None:
    stock = make_stock(
        queue=(QueuedLine(1, 2), QueuedLine(2, 4)),
        shipments=(shipment(20, 3, in_days=20), shipment(10, 3, in_days=10)),
    )

    assert promise_dates(stock) == {1: day(10), 2: day(20)}


def test_shipments_due_the_same_day_are_used_in_id_order() -> None:
    stock = make_stock(
        queue=(QueuedLine(1, 1),),
        shipments=(shipment(8, 5, in_days=7), shipment(7, 1, in_days=7)),
    )

    receipt = receive(stock, 1, shipment_id=7)

    assert receipt.stock.shipments == (shipment(8, 5, in_days=7),)
    assert promise_dates(stock) == {1: day(7)}


def test_no_date_is_promised_past_scheduled_supply() -> None:
    stock = make_stock(
        queue=(QueuedLine(1, 3), QueuedLine(2, 1)),
        shipments=(shipment(1, 3, in_days=5),),
    )

    assert promise_dates(stock) == {1: day(5), 2: None}
    assert quote(stock, 1).promised_on is None


def test_a_partly_covered_line_is_to_be_confirmed() -> None:
    stock = make_stock(queue=(QueuedLine(1, 2),), shipments=(shipment(1, 4, in_days=5),))

    covered = quote(stock, 2)
    partly_covered = quote(stock, 3)

    assert covered.promised_on == day(5)
    assert not covered.to_be_confirmed
    assert partly_covered.promised_on is None
    assert partly_covered.to_be_confirmed
    assert partly_covered.accepted


def test_handling_days_are_added_to_the_shipment_date() -> None:
    stock = make_stock(
        queue=(QueuedLine(1, 1),), shipments=(shipment(1, 5, in_days=10),), handling_days=3
    )

    assert promise_dates(stock) == {1: day(13)}
    assert quote(stock, 2).promised_on == day(13)


def test_placing_takes_on_hand_first_and_queues_the_rest_with_its_date() -> None:
    stock = make_stock(on_hand=2, shipments=(shipment(1, 10, in_days=4),), handling_days=2)

    placement = place(stock, line_id=7, quantity=5)

    assert (placement.allocated, placement.waiting) == (2, 3)
    assert placement.promised_on == day(6)
    assert placement.stock.on_hand == 0
    assert placement.stock.queue == (QueuedLine(7, 3, promised_on=day(6)),)


def test_placing_from_stock_alone_does_not_join_the_queue() -> None:
    placement = place(make_stock(on_hand=5), line_id=1, quantity=5)

    assert (placement.allocated, placement.waiting, placement.promised_on) == (5, 0, None)
    assert placement.stock.queue == ()
    assert placement.stock.on_hand == 0


def test_a_new_order_is_quoted_after_the_queue() -> None:
    stock = make_stock(
        queue=(QueuedLine(1, 4),),
        shipments=(shipment(1, 4, in_days=5), shipment(2, 10, in_days=30)),
    )

    offer = quote(stock, 2)

    assert (offer.ships_now, offer.waiting) == (0, 2)
    assert offer.promised_on == day(30)


def test_the_backorder_limit_refuses_with_the_largest_quantity_allowed() -> None:
    stock = make_stock(queue=(QueuedLine(1, 5),), backorder_limit=10)

    assert quote(stock, 5).accepted
    assert quote(stock, 6).refusal is Refusal.LIMIT_REACHED
    with pytest.raises(BackorderRefused) as refused:
        place(stock, line_id=2, quantity=6)

    assert refused.value.refusal is Refusal.LIMIT_REACHED
    assert refused.value.max_quantity == 5
    assert str(refused.value) == "Only 5 more can be backordered."


def test_the_backorder_limit_counts_stock_on_hand_in_the_largest_quantity() -> None:
    stock = make_stock(on_hand=3, backorder_limit=2)

    with pytest.raises(BackorderRefused) as refused:
        place(stock, line_id=1, quantity=6)

    assert refused.value.max_quantity == 5
    assert "3 in stock and 2 more can be backordered" in str(refused.value)


def test_a_full_waiting_list_refuses_any_backorder() -> None:
    stock = make_stock(queue=(QueuedLine(1, 4),), backorder_limit=3)

    offer = quote(stock, 1)

    assert offer.refusal is Refusal.LIMIT_REACHED
    assert offer.max_quantity == 0


def test_a_product_without_backorders_refuses_with_stock_on_hand_as_the_largest_quantity() -> None:
    stock = make_stock(on_hand=3, allow_backorders=False)

    assert quote(stock, 3).accepted
    with pytest.raises(BackorderRefused) as refused:
        place(stock, line_id=1, quantity=4)

    assert refused.value.refusal is Refusal.SOLD_OUT
    assert refused.value.max_quantity == 3
    assert str(refused.value) == (
        "Only 3 can be ordered: backorders are not taken for this product."
    )


def test_a_refused_order_takes_nothing_from_stock() -> None:
    stock = make_stock(on_hand=3, allow_backorders=False)

    with pytest.raises(BackorderRefused):
        place(stock, line_id=1, quantity=4)

    # The same stock still serves an order it can take in full.
    assert place(stock, line_id=2, quantity=3).allocated == 3


def test_quantities_below_one_are_refused() -> None:
    stock = make_stock(on_hand=3)

    assert quote(stock, 0).refusal is Refusal.INVALID_QUANTITY
    assert quote(stock, -2).ships_now == 0
    with pytest.raises(BackorderRefused) as refused:
        place(stock, line_id=1, quantity=0)
    assert refused.value.refusal is Refusal.INVALID_QUANTITY


@pytest.mark.parametrize(
    "change",
    [
        lambda stock: receive(stock, -1),
        lambda stock: receive(stock, 1, shipment_id=99),
        lambda stock: release(stock, line_id=1, waiting=3),
        lambda stock: release(stock, line_id=42, waiting=1),
        lambda stock: release(stock, line_id=1, allocated=-1),
        lambda stock: place(stock, line_id=1, quantity=1),
    ],
    ids=[
        "negative receipt",
        "unscheduled shipment",
        "more than waiting",
        "line not waiting",
        "negative release",
        "line already queued",
    ],
)
def test_impossible_changes_are_rejected(change: Callable[[Stock], object]) -> None:
    stock = make_stock(queue=(QueuedLine(1, 2),), shipments=(shipment(1, 5, in_days=3),))

    with pytest.raises(ValueError):
        change(stock)


def test_stock_on_hand_cannot_sit_beside_waiting_lines() -> None:
    with pytest.raises(ValueError):
        make_stock(on_hand=1, queue=(QueuedLine(1, 1),))


def test_receiving_with_an_empty_queue_goes_on_hand() -> None:
    receipt = receive(make_stock(on_hand=2), 5)

    assert receipt.fills == ()
    assert receipt.to_on_hand == 5
    assert receipt.stock.on_hand == 7


def test_receiving_more_than_waits_puts_the_rest_on_hand() -> None:
    receipt = receive(make_stock(queue=(QueuedLine(1, 2),)), 5)

    assert receipt.fills == (Fill(1, 2),)
    assert receipt.to_on_hand == 3
    assert receipt.stock.queue == ()


def test_receiving_against_a_shipment_removes_it_from_the_schedule() -> None:
    stock = make_stock(
        queue=(QueuedLine(1, 3, promised_on=day(5)), QueuedLine(2, 3, promised_on=day(9))),
        shipments=(shipment(1, 3, in_days=5), shipment(2, 3, in_days=9)),
    )

    receipt = receive(stock, 3, shipment_id=1)

    assert receipt.stock.shipments == (shipment(2, 3, in_days=9),)
    assert receipt.stock.queue == (QueuedLine(2, 3, promised_on=day(9)),)
    assert receipt.promise_changes == ()


def test_a_short_shipment_pushes_later_lines_to_be_confirmed() -> None:
    stock = make_stock(
        queue=(QueuedLine(1, 3, promised_on=day(5)), QueuedLine(2, 3, promised_on=day(9))),
        shipments=(shipment(1, 3, in_days=5), shipment(2, 3, in_days=9)),
    )

    receipt = receive(stock, 1, shipment_id=1)

    assert receipt.fills == (Fill(1, 1),)
    assert receipt.promise_changes == (
        PromiseChange(1, before=day(5), after=day(9)),
        PromiseChange(2, before=day(9), after=None),
    )
    assert receipt.stock.queue == (QueuedLine(1, 2, day(9)), QueuedLine(2, 3, None))


def test_a_partial_arrival_keeps_the_rest_expected_on_its_new_date() -> None:
    stock = make_stock(
        queue=(QueuedLine(1, 3, promised_on=day(5)), QueuedLine(2, 2, promised_on=day(5))),
        shipments=(shipment(1, 5, in_days=5),),
    )

    receipt = receive(stock, 3, shipment_id=1, rest=shipment(2, 2, in_days=19))

    assert receipt.fills == (Fill(1, 3),)
    assert receipt.stock.shipments == (shipment(2, 2, in_days=19),)
    assert receipt.promise_changes == (PromiseChange(2, before=day(5), after=day(19)),)


def test_only_a_delivery_against_a_shipment_leaves_a_rest() -> None:
    with pytest.raises(ValueError, match="against a shipment"):
        receive(make_stock(), 3, rest=shipment(2, 2, in_days=19))


def test_a_late_supplier_moves_the_lines_it_covers() -> None:
    stock = make_stock(
        queue=(QueuedLine(1, 2, promised_on=day(5)), QueuedLine(2, 2, promised_on=day(9))),
        shipments=(shipment(1, 2, in_days=5), shipment(2, 2, in_days=9)),
    )

    result = move_shipment(stock, 1, 2, day(14))

    # The later shipment now comes first: it covers the oldest line.
    assert result.promise_changes == (
        PromiseChange(1, before=day(5), after=day(9)),
        PromiseChange(2, before=day(9), after=day(14)),
    )
    assert drop_shipment(stock, 2).promise_changes == (PromiseChange(2, day(9), None),)
    with pytest.raises(ValueError, match="not scheduled"):
        move_shipment(stock, 7, 2, day(14))


def test_unscheduled_stock_brings_later_dates_earlier() -> None:
    stock = make_stock(
        queue=(QueuedLine(1, 3, promised_on=day(5)), QueuedLine(2, 3, promised_on=day(9))),
        shipments=(shipment(1, 3, in_days=5), shipment(2, 3, in_days=9)),
    )

    receipt = receive(stock, 3)

    assert receipt.promise_changes == (PromiseChange(2, before=day(9), after=day(5)),)


def test_cancelling_waiting_units_moves_the_queue_up_and_brings_dates_earlier() -> None:
    stock = make_stock(
        queue=(
            QueuedLine(1, 2, promised_on=day(5)),
            QueuedLine(2, 2, promised_on=day(9)),
            QueuedLine(3, 1, promised_on=None),
        ),
        shipments=(shipment(1, 2, in_days=5), shipment(2, 2, in_days=9)),
    )

    result = release(stock, line_id=1, waiting=2)

    assert result.fills == ()
    assert [line.line_id for line in result.stock.queue] == [2, 3]
    assert result.promise_changes == (
        PromiseChange(2, before=day(9), after=day(5)),
        PromiseChange(3, before=None, after=day(9)),
    )


def test_cancelling_part_of_a_line_keeps_its_place() -> None:
    stock = make_stock(queue=(QueuedLine(1, 3), QueuedLine(2, 1)))

    result = release(stock, line_id=1, waiting=2)

    assert [(line.line_id, line.waiting) for line in result.stock.queue] == [(1, 1), (2, 1)]


def test_released_allocated_units_fill_the_front_of_the_queue() -> None:
    stock = make_stock(queue=(QueuedLine(2, 1), QueuedLine(3, 4)))

    result = release(stock, line_id=1, allocated=3)

    assert result.fills == (Fill(2, 1), Fill(3, 2))
    assert result.stock.queue == (QueuedLine(3, 2),)
    assert result.stock.on_hand == 0


def test_released_allocated_units_with_nobody_waiting_go_on_hand() -> None:
    result = release(make_stock(on_hand=1), line_id=1, allocated=3)

    assert result.fills == ()
    assert result.stock.on_hand == 4


def test_cancelling_a_shipment_leaves_its_lines_to_be_confirmed() -> None:
    stock = make_stock(
        queue=(QueuedLine(1, 2, promised_on=day(5)),), shipments=(shipment(1, 2, in_days=5),)
    )

    result = reschedule(stock, ())

    assert result.fills == ()
    assert result.stock.shipments == ()
    assert result.promise_changes == (PromiseChange(1, before=day(5), after=None),)
    assert result.stock.queue == (QueuedLine(1, 2, promised_on=None),)


def test_scheduling_a_shipment_gives_waiting_lines_a_date() -> None:
    stock = make_stock(queue=(QueuedLine(1, 2),), handling_days=1)

    result = reschedule(stock, (shipment(1, 2, in_days=5),))

    assert result.promise_changes == (PromiseChange(1, before=None, after=day(6)),)


def test_promise_changes_compare_the_stored_promise_with_the_schedule() -> None:
    stock = make_stock(
        queue=(QueuedLine(1, 1, promised_on=day(5)), QueuedLine(2, 1, promised_on=day(1))),
        shipments=(shipment(1, 2, in_days=5),),
    )

    assert promise_changes(stock) == (PromiseChange(2, before=day(1), after=day(5)),)


def test_ten_thousand_waiting_lines_are_dated_and_filled_quickly() -> None:
    queue = tuple(QueuedLine(line_id, 1 + line_id % 3) for line_id in range(10_000))
    shipments = tuple(shipment(number, 7, in_days=number) for number in range(3_000))
    stock = make_stock(queue=queue, shipments=shipments)

    started = time.perf_counter()
    dates = promise_dates(stock)
    receipt = receive(stock, 15_000, shipment_id=0)
    elapsed = time.perf_counter() - started

    assert len(dates) == 10_000
    assert len(receipt.promise_changes) == len(receipt.stock.queue)
    # A walk per line would take minutes here; one walk takes milliseconds.
    assert elapsed < 2


def test_an_overdue_shipment_never_gives_a_date_in_the_past():
    today = date(2027, 3, 10)
    overdue = ScheduledShipment(1, 5, date(2027, 3, 1))
    stock = Stock(
        on_hand=0, queue=(QueuedLine(1, 2),), shipments=(overdue,), handling_days=2, today=today
    )
    assert promise_dates(stock) == {1: date(2027, 3, 12)}
    assert quote(stock, 1).promised_on == date(2027, 3, 12)
    on_time = replace(stock, shipments=(ScheduledShipment(1, 5, date(2027, 3, 20)),))
    assert promise_dates(on_time) == {1: date(2027, 3, 22)}


def test_a_buffer_pads_every_date_after_an_overdue_shipment_counts_as_today():
    stock = Stock(
        on_hand=0,
        queue=(QueuedLine(1, 2), QueuedLine(2, 3)),
        shipments=(shipment(10, 2, -3), shipment(11, 5, 10)),
        handling_days=2,
        today=TODAY,
        buffer_days=4,
    )
    assert promise_dates(stock) == {1: day(0 + 4 + 2), 2: day(10 + 4 + 2)}
    assert quote(stock, 1).promised_on == day(10 + 4 + 2)
    with pytest.raises(ValueError, match="buffer"):
        replace(stock, buffer_days=-1)
