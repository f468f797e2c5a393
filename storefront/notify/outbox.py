"""Writing emails into the outbox, inside the caller's transaction, rendered from templates."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from flask import current_app
from sqlalchemy.orm import Session

from ..database import bulk_insert
from ..models import MessageStatus, OutboxMessage
from ..models.types import utcnow


@dataclass(frozen=True)
class Email:
    """One message for the outbox; `dedupe_key` names it, so writing it twice stores it once.

    It carries its rendered bodies, or the template and the JSON facts that the sending
    worker renders them from (what bulk work writes: facts cost far less than two bodies).
    """

    kind: str
    recipient: str
    subject: str
    dedupe_key: str
    text_body: str | None = None
    html_body: str | None = None
    template: str | None = None
    facts: dict | None = None
    order_id: int | None = None
    unsubscribe_url: str | None = None


def public_url(path: str) -> str:
    """An absolute link for an email: no request is around when emails are written."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def render_email(template: str, /, **context) -> tuple[str, str]:
    """The text and HTML parts of `templates/emails/<template>`; only the HTML part is escaped.

    The app's Jinja environment gives the shop's filters, without the context processors
    that expect a request.
    """
    env = current_app.jinja_env
    context["public_url"] = public_url
    text = env.get_template(f"emails/{template}.txt").render(context)
    html = env.get_template(f"emails/{template}.html").render(context)
    return text.strip() + "\n", html


def render_stored(template: str | None, facts: dict | None) -> tuple[str, str]:
    """The bodies of a message stored as its template and facts."""
    if template is None or facts is None:
        raise ValueError("The message has neither bodies nor facts to render them from.")
    return render_email(template, **facts)


class StoredMessage(Protocol):
    """What a stored message (an OutboxMessage, or a worker's claim on one) says."""

    @property
    def text_body(self) -> str | None: ...
    @property
    def html_body(self) -> str | None: ...
    @property
    def template(self) -> str | None: ...
    @property
    def facts(self) -> dict | None: ...


def message_bodies(message: StoredMessage) -> tuple[str, str]:
    """A stored message's text and HTML bodies, rendered now if it was stored as facts."""
    if message.text_body is not None and message.html_body is not None:
        return message.text_body, message.html_body
    return render_stored(message.template, message.facts)


def queue_emails(session: Session, emails: Iterable[Email]) -> None:
    """Add the emails to the outbox in one statement; they go out when the caller commits.
    `emails` may be a generator: each is stored as it is made."""
    now = utcnow()
    bulk_insert(
        session,
        OutboxMessage.__table__,
        (vars(email) for email in emails),  # vars, not asdict, which deep-copies every body
        same={
            "status": MessageStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": "",
            "created_at": now,
        },
    )
