"""What staff read about the outbox: messages by status, newest first, and one message."""

from sqlalchemy import func, select

from ..extensions import db
from ..models import MessageStatus, OutboxMessage

PAGE_SIZE = 50

# Being sent right now is shown with the messages still to go.
SHOWN_AS = {
    "pending": [MessageStatus.PENDING, MessageStatus.SENDING],
    "failed": [MessageStatus.FAILED],
    "sent": [MessageStatus.SENT],
}


def outbox_counts() -> dict[str, int]:
    counts = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    return {shown: sum(counts.get(s, 0) for s in statuses) for shown, statuses in SHOWN_AS.items()}


def outbox_messages(shown: str, limit: int = PAGE_SIZE) -> list[OutboxMessage]:
    """The newest messages of one tab; failed and pending ones are what staff act on."""
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status.in_(SHOWN_AS[shown]))
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        )
    )


def outbox_message(message_id: int) -> OutboxMessage | None:
    return db.session.get(OutboxMessage, message_id)
