"""Shared by the stock-changing use cases: lock products, load their Stock, write results."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from ..engine import (
    Fill,
    PromiseChange,
    QueuedLine,
    Stock,
    quote,
)
from ..formatting import human_date
from ..models import (
    EventKind,
    Order,
    OrderEvent,
    OrderLine,
    Product,
)
from ..models.types import utcnow
from ..queries import product_stock, scheduled_shipments
from .errors import NotFound


def lock_products(session: Session, product_ids: Iterable[int]) -> dict[int, Product]:
    """Lock the rows in sku order (one order for everyone, so no deadlocks), freshly read."""
    ids = set(product_ids)
    query = (
        select(Product)
        .where(Product.id.in_(ids))
        .order_by(Product.sku)
        .execution_options(populate_existing=True)
    )
    if session.get_bind().dialect.name != "sqlite":  # SQLite holds its write lock already
        query = query.with_for_update()
    products = {product.id: product for product in session.scalars(query)}
    missing = ids - products.keys()
    if missing:
        raise NotFound(f"No product with id {min(missing)}.")
    return products


@dataclass
class LoadedStock:
    """A product's Stock plus the facts the engine does not need but the writer does."""

    product: Product
    stock: Stock
    order_of_line: dict[int, int] = field(default_factory=dict)


def load_stock(session: Session, product: Product) -> LoadedStock:
    queue_rows = session.execute(
        select(OrderLine.id, OrderLine.order_id, OrderLine.waiting, OrderLine.promised_on)
        .where(OrderLine.product_id == product.id, OrderLine.waiting > 0)
        .order_by(OrderLine.placed_at, OrderLine.id)
    ).all()
    queue = tuple(QueuedLine(row.id, row.waiting, row.promised_on) for row in queue_rows)
    stock = product_stock(product, scheduled_shipments([product.id])[product.id], queue)
    return LoadedStock(product, stock, {row.id: row.order_id for row in queue_rows})


def refresh_product(product: Product, stock: Stock) -> None:
    """Keep the catalog's stored summary equal to what the engine says."""
    product.on_hand = stock.on_hand
    product.waiting_units = stock.waiting_units
    product.next_promise_on = None if stock.on_hand else quote(stock, 1).promised_on


def describe_promise(day: date | None) -> str:
    return f"ships by {human_date(day)}" if day else "date to be confirmed"


@dataclass
class Timeline:
    """Events gathered during one use case, written in one statement with their orders' bumps."""

    events: list[dict] = field(default_factory=list)

    def add(
        self,
        order_id: int,
        kind: EventKind,
        message: str,
        *,
        line_id: int | None = None,
        promised_on: date | None = None,
        first: bool = False,
    ) -> None:
        self.events.insert(
            0 if first else len(self.events),
            {
                "order_id": order_id,
                "line_id": line_id,
                "kind": kind,
                "message": message,
                "promised_on": promised_on,
                "created_at": utcnow(),
            },
        )

    def write(self, session: Session) -> None:
        if not self.events:
            return
        session.execute(insert(OrderEvent), self.events)
        order_ids = sorted({event["order_id"] for event in self.events})
        session.execute(
            update(Order.__table__)
            .where(Order.__table__.c.id == bindparam("order_id"))
            .values(version=Order.__table__.c.version + 1),
            [{"order_id": order_id} for order_id in order_ids],
        )
        # Objects already in the session must not keep a stale version or timeline.
        _expire(session, Order, order_ids, ["version", "events"])
        self.events = []


def write_fills(
    session: Session,
    loaded: LoadedStock,
    fills: Sequence[Fill],
    new_stock: Stock,
    timeline: Timeline,
) -> None:
    """Units given to waiting lines become allocated; the lines' orders hear about it."""
    if not fills:
        return
    still_waiting = {line.line_id: line.promised_on for line in new_stock.queue}
    table = OrderLine.__table__
    session.execute(
        update(table)
        .where(table.c.id == bindparam("line_id"))
        .values(
            allocated=table.c.allocated + bindparam("units"),
            waiting=table.c.waiting - bindparam("units"),
            promised_on=bindparam("promised_on"),
        ),
        [
            {
                "line_id": fill.line_id,
                "units": fill.units,
                "promised_on": still_waiting.get(fill.line_id),
            }
            for fill in fills
        ],
    )
    name = loaded.product.name
    for fill in fills:
        rest = still_waiting.get(fill.line_id, "none")
        message = f"{fill.units} × {name} reserved from new stock: ready to ship."
        if rest != "none":
            message += f" The rest still waits ({describe_promise(rest)})."
        timeline.add(
            loaded.order_of_line[fill.line_id],
            EventKind.ALLOCATED,
            message,
            line_id=fill.line_id,
            promised_on=rest if rest != "none" else None,
        )
    _expire_lines(session, {fill.line_id for fill in fills})


def write_promise_changes(
    session: Session,
    loaded: LoadedStock,
    changes: Sequence[PromiseChange],
    timeline: Timeline,
    skip: Iterable[int] = (),
) -> None:
    """Store new dates; lines in `skip` were already written (and told) by write_fills."""
    skip = set(skip)
    changes = [change for change in changes if change.line_id not in skip]
    if not changes:
        return
    table = OrderLine.__table__
    session.execute(
        update(table)
        .where(table.c.id == bindparam("line_id"))
        .values(promised_on=bindparam("promised_on")),
        [{"line_id": c.line_id, "promised_on": c.after} for c in changes],
    )
    name = loaded.product.name
    for change in changes:
        if change.after is None:
            message = f"{name}: the date is to be confirmed again; we will write when it is known."
        elif change.before is None:
            message = f"{name}: now has a date, ships by {human_date(change.after)}."
        else:
            direction = "earlier" if change.after < change.before else "later"
            message = (
                f"{name}: expected ship date moved {direction}, from "
                f"{human_date(change.before)} to {human_date(change.after)}."
            )
        timeline.add(
            loaded.order_of_line[change.line_id],
            EventKind.DATE_CHANGED,
            message,
            line_id=change.line_id,
            promised_on=change.after,
        )
    _expire_lines(session, {c.line_id for c in changes})


def touch_queue(session: Session, product_id: int) -> None:
    """Everyone still waiting for the product moved in the queue ("3rd in line" is now
    "2nd"): bump their orders' versions, in one statement, so tracking pages refresh."""
    waiting_orders = select(OrderLine.order_id).where(
        OrderLine.product_id == product_id, OrderLine.waiting > 0
    )
    session.execute(
        update(Order)
        .where(Order.id.in_(waiting_orders))
        .values(version=Order.version + 1)
        .execution_options(synchronize_session=False)
    )


def _expire_lines(session: Session, line_ids: set[int]) -> None:
    _expire(session, OrderLine, line_ids)


def _expire(session: Session, model, ids, attributes: list[str] | None = None) -> None:
    """Expire loaded objects written behind the ORM's back, found by key, not by a scan."""
    for id_ in ids:
        obj = session.identity_map.get(identity_key(model, id_))
        if obj is not None:
            session.expire(obj, attributes)
