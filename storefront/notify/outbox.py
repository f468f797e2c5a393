"""Writing emails into the outbox, inside the caller's transaction, rendered from templates."""

from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import insert
from sqlalchemy.orm import Session

from ..models import MessageStatus, OutboxMessage
from ..models.types import utcnow


@dataclass(frozen=True)
class Email:
    """One message for the outbox; `dedupe_key` names it, so writing it twice stores it once."""

    kind: str
    recipient: str
    subject: str
    text_body: str
    html_body: str
    dedupe_key: str
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


def queue_emails(session: Session, emails: Sequence[Email]) -> None:
    """Add the emails to the outbox in one statement; they go out when the caller commits."""
    if not emails:
        return
    now = utcnow()
    session.execute(
        insert(OutboxMessage),
        [
            {
                **vars(email),  # shallow: asdict would deep-copy every body
                "status": MessageStatus.PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "last_error": "",
                "created_at": now,
            }
            for email in emails
        ],
    )
