"""An order's timeline: events gathered during one use case, written with their orders' bumps."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

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
                "created_at": utcnow(),
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

    def write(self, session: Session) -> None:
        """The events, their orders' new versions and one email per order, all in the
        caller's transaction."""
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
        expire(session, Order, order_ids, ["version", "events"])
        queue_emails(session, order_emails(session, self.events, self.moves))
        self.events, self.moves = [], {}


def expire(session: Session, model, ids, attributes: list[str] | None = None) -> None:
    """Expire loaded objects written behind the ORM's back, found by key, not by a scan."""
    for id_ in ids:
        obj = session.identity_map.get(identity_key(model, id_))
        if obj is not None:
            session.expire(obj, attributes)
