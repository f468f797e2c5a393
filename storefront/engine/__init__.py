"""The promise engine: pure rules for allocating stock, queueing backorders and dating them."""

from storefront.engine.promise import (
    BackorderRefused,
    Placement,
    PromiseChange,
    Quote,
    Refusal,
    place,
    promise_changes,
    promise_dates,
    quote,
    refusal_message,
)
from storefront.engine.stock import (
    BackorderPolicy,
    LineRef,
    NewLine,
    QueuedLine,
    ScheduledShipment,
    Stock,
)
from storefront.engine.supply import (
    Fill,
    Receipt,
    Release,
    drop_shipment,
    move_shipment,
    receive,
    release,
    reschedule,
)

__all__ = [
    "BackorderPolicy",
    "BackorderRefused",
    "Fill",
    "LineRef",
    "NewLine",
    "Placement",
    "PromiseChange",
    "QueuedLine",
    "Quote",
    "Receipt",
    "Refusal",
    "Release",
    "ScheduledShipment",
    "Stock",
    "drop_shipment",
    "move_shipment",
    "place",
    "promise_changes",
    "promise_dates",
    "quote",
    "receive",
    "refusal_message",
    "release",
    "reschedule",
]
