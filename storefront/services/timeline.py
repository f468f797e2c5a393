"""An order's timeline: events gathered during one use case, written with their orders' bumps."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Row, inspect, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from ..database import among, bulk_insert
from ..engine import Fill, LineRef, PromiseChange
from ..engine.stock import stored_id
from ..formatting import human_date
from ..models import EventKind, Order, OrderEvent
from ..models.types import utcnow
from ..notify.order_emails import order_emails
from ..notify.outbox import queue_emails


def describe_promise(day: date | None) -> str:
    return f"ships by {human_date(day)}" if day else "date to be confirmed"


@dataclass
class Timeline:
    """Events gathered during one use case, written in one statement with their orders' bumps."""

    events: list[dict] = field(default_factory=list)
    # How each order's dates moved ("earlier", "later", "dated", "undated"): its email's subject.
    moves: dict[int, set[str]] = field(default_factory=dict)
    # Orders that changed without news of their own (they moved up a queue): their tracking
    # pages refresh, no email goes out.
    touched: set[int] = field(default_factory=set)

    def add(
        self,
        order_id: int,
        kind: EventKind,
        message: str,
        *,
        line_id: int | None = None,
        promised_on: date | None = None,
    ) -> None:
        self.events.append(
            {
                "order_id": order_id,
                "line_id": line_id,
                "kind": kind,
                "message": message,
                "promised_on": promised_on,
            },
        )

    def units_reserved(
        self, order_id: int, fill: Fill, name: str, still_waiting: dict[LineRef, date | None]
    ) -> None:
        """Units of a waiting line were reserved; `still_waiting` has the lines left in the
        queue, with their dates."""
        message = f"{fill.units} × {name} reserved from new stock: ready to ship."
        rest_waits = fill.line_id in still_waiting
        promised_on = still_waiting.get(fill.line_id)
        if rest_waits:
            message += f" The rest still waits ({describe_promise(promised_on)})."
        self.add(
            order_id,
            EventKind.ALLOCATED,
            message,
            line_id=stored_id(fill.line_id),
            promised_on=promised_on,
        )

    def date_changed(self, order_id: int, change: PromiseChange, name: str) -> None:
        if change.after is None:
            direction = "undated"
            message = f"{name}: the date is to be confirmed again; we will write when it is known."
        elif change.before is None:
            direction = "dated"
            message = f"{name}: now has a date, ships by {human_date(change.after)}."
        else:
            direction = "earlier" if change.after < change.before else "later"
            message = (
                f"{name}: expected ship date moved {direction}, from "
                f"{human_date(change.before)} to {human_date(change.after)}."
            )
        self.moves.setdefault(order_id, set()).add(direction)
        self.add(
            order_id,
            EventKind.DATE_CHANGED,
            message,
            line_id=stored_id(change.line_id),
            promised_on=change.after,
        )

    def touch(self, order_ids: Iterable[int]) -> None:
        """These orders changed without news to write about (a queue moved up)."""
        self.touched.update(order_ids)

    def write(self, session: Session) -> None:
        """The events, their orders' new versions and one email per order with news, all in
        the caller's transaction."""
        if not self.events and not self.touched:
            return
        if self.events:
            # One instant for the whole use case: its events happened together.
            bulk_insert(session, OrderEvent.__table__, self.events, {"created_at": utcnow()})
        with_news = {event["order_id"] for event in self.events}
        bumped = bump_versions(session, sorted(with_news | self.touched))
        # Objects already in the session must not keep a stale version or timeline.
        expire(session, Order, [row.id for row in bumped], ["version", "events"])
        news = [row for row in bumped if row.id in with_news]
        queue_emails(session, order_emails(session, news, self.events, self.moves))
        self.events, self.moves, self.touched = [], {}, set()


def bump_versions(session: Session, order_ids: list[int]) -> list[Row]:
    """Each order's version goes up by one, in a few statements (`among`); returns each
    order's new version with what its email needs (id, email, name, token, version)."""
    table = Order.__table__
    bumped: list[Row] = []
    for condition in among(session, table.c.id, order_ids):
        bumped.extend(
            session.execute(
                update(table)
                .where(condition)
                .values(version=table.c.version + 1)
                .returning(table.c.id, table.c.email, table.c.name, table.c.token, table.c.version)
            )
        )
    return bumped


def expire(session: Session, model, ids, attributes: list[str] | None = None) -> None:
    """Expire loaded objects written behind the ORM's back.

    Bulk work touches thousands of rows while the session holds a few objects: the smaller
    of the two is walked.
    """
    ids = ids if isinstance(ids, set | frozenset) else set(ids)
    identity_map = session.identity_map
    if len(identity_map) < len(ids):
        found = [
            obj
            for obj in identity_map.values()
            if isinstance(obj, model) and inspect(obj).identity[0] in ids
        ]
    else:
        found = [identity_map.get(identity_key(model, id_)) for id_ in ids]
    for obj in found:
        if obj is not None:
            session.expire(obj, attributes)
