"""Delivering the outbox: claim due messages, send them over SMTP (or into .eml files), record.

Several workers may run at once. A message is claimed (status `sending`, with a lease in
`next_attempt_at`) in a short transaction before any SMTP conversation, so no two workers
send it; a worker that dies mid-send leaves it to be claimed again once the lease runs out.
"""

import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path

from flask import current_app
from jinja2 import TemplateError
from sqlalchemy import select, update

from ..database import is_sqlite, write_transaction
from ..models import MessageStatus, OutboxMessage
from ..models.types import utcnow
from ..services.errors import InvalidRequest, NotFound
from .outbox import message_bodies

MAX_BACKOFF = timedelta(hours=6)
MAX_ERROR_LENGTH = 2_000


@dataclass(frozen=True)
class Claimed:
    """A message this worker holds: the fields needed to send it and to report back."""

    id: int
    attempts: int
    recipient: str
    subject: str
    text_body: str | None
    html_body: str | None
    template: str | None
    facts: dict | None
    unsubscribe_url: str | None
    created_at: datetime


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def tried(self) -> int:
        return self.sent + self.retrying + self.failed


def deliver_due() -> DeliveryReport:
    """Send every message due now, batch after batch, then return.

    A message that fails here is due again only later (its back-off), so one run tries
    each message at most once.
    """
    report, started = DeliveryReport(), utcnow()
    while batch := claim_due(started):
        _send_batch(batch, report)
    return report


def claim_due(due_by: datetime) -> list[Claimed]:
    """Mark up to MAIL_BATCH_SIZE due messages as being sent by this worker, oldest first."""
    config = current_app.config
    with write_transaction() as session:
        now = utcnow()
        query = (
            select(OutboxMessage)
            .where(
                OutboxMessage.status.in_([MessageStatus.PENDING, MessageStatus.SENDING]),
                OutboxMessage.next_attempt_at <= min(now, due_by),
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(config["MAIL_BATCH_SIZE"])
        )
        if not is_sqlite():  # SQLite's write lock, taken at BEGIN, already serialises workers
            query = query.with_for_update(skip_locked=True)
        messages = session.scalars(query).all()
        lease_until = now + timedelta(seconds=config["MAIL_LEASE_SECONDS"])
        for message in messages:
            message.status = MessageStatus.SENDING
            message.attempts += 1
            message.next_attempt_at = lease_until
        session.flush()
        return [
            Claimed(
                m.id,
                m.attempts,
                m.recipient,
                m.subject,
                m.text_body,
                m.html_body,
                m.template,
                m.facts,
                m.unsubscribe_url,
                m.created_at,
            )
            for m in messages
        ]


def _send_batch(batch: list[Claimed], report: DeliveryReport) -> None:
    try:
        transport = open_transport()
    except (OSError, smtplib.SMTPException) as error:
        for claimed in batch:
            _record_failure(claimed, error, report)
        return
    try:
        for claimed in batch:
            try:
                transport.send(build_message(claimed), claimed)
            except (OSError, smtplib.SMTPException, ValueError, TemplateError) as error:
                _record_failure(claimed, error, report)
            else:
                _record_sent(claimed, report)
    finally:
        transport.close()


def _still_ours(claimed: Claimed):
    """Only the claim that sent a message may record it (a newer claim moved attempts on)."""
    return (
        (OutboxMessage.id == claimed.id)
        & (OutboxMessage.status == MessageStatus.SENDING)
        & (OutboxMessage.attempts == claimed.attempts)
    )


def _record_sent(claimed: Claimed, report: DeliveryReport) -> None:
    with write_transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(_still_ours(claimed))
            .values(status=MessageStatus.SENT, sent_at=utcnow(), last_error="")
        )
    report.sent += 1


def _record_failure(claimed: Claimed, error: Exception, report: DeliveryReport) -> None:
    config = current_app.config
    gave_up = claimed.attempts >= config["MAIL_MAX_ATTEMPTS"]
    wait = min(
        timedelta(seconds=config["MAIL_RETRY_SECONDS"] * 2 ** (claimed.attempts - 1)), MAX_BACKOFF
    )
    with write_transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(_still_ours(claimed))
            .values(
                status=MessageStatus.FAILED if gave_up else MessageStatus.PENDING,
                next_attempt_at=utcnow() + wait,
                last_error=f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH],
            )
        )
    if gave_up:
        report.failed += 1
    else:
        report.retrying += 1
    current_app.logger.warning(
        "Email %s not sent (attempt %s): %s", claimed.id, claimed.attempts, error
    )


def build_message(claimed: Claimed) -> EmailMessage:
    """The email as it goes out, its bodies rendered now if it was stored as facts; a resend
    carries the same Message-ID, so mail systems can recognise the duplicate."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = claimed.recipient
    message["Subject"] = claimed.subject
    message["Date"] = format_datetime(claimed.created_at)
    message["Message-ID"] = f"<outbox-{claimed.id}.{claimed.created_at:%Y%m%d%H%M%S}@{domain}>"
    if claimed.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{claimed.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    text, html = message_bodies(claimed)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


class SmtpTransport:
    """One SMTP connection for a batch."""

    def __init__(self, config):
        port = config["MAIL_PORT"] or (
            465 if config["MAIL_USE_SSL"] else 587 if config["MAIL_USE_TLS"] else 25
        )
        connect: Callable = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
        self.smtp = connect(config["MAIL_SERVER"], port, timeout=config["MAIL_TIMEOUT"])
        try:
            if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
                self.smtp.starttls()
            if config["MAIL_USERNAME"]:
                self.smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except BaseException:
            self.close()
            raise

    def send(self, message: EmailMessage, claimed: Claimed) -> None:
        self.smtp.send_message(message)

    def close(self) -> None:
        try:
            self.smtp.quit()
        except (OSError, smtplib.SMTPException):
            self.smtp.close()


class FileTransport:
    """Each email as an .eml file: what `make run` does, so a newcomer can read them."""

    def __init__(self, directory: Path):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def send(self, message: EmailMessage, claimed: Claimed) -> None:
        name = f"{claimed.created_at:%Y%m%d-%H%M%S}-{claimed.id:06d}.eml"
        partial = self.directory / f".{name}.partial"
        partial.write_bytes(message.as_bytes())
        partial.replace(self.directory / name)  # never a half-written file; a resend overwrites

    def close(self) -> None:
        pass


def open_transport() -> SmtpTransport | FileTransport:
    config = current_app.config
    if config["MAIL_SERVER"]:
        return SmtpTransport(config)
    return FileTransport(mail_directory())


def mail_directory() -> Path:
    configured = current_app.config["MAIL_FILE_DIR"]
    return Path(configured) if configured else Path(current_app.instance_path) / "mail"


def retry_now(message_id: int) -> OutboxMessage:
    """Staff's "retry now": a pending or failed message is due at once (one more attempt)."""
    with write_transaction() as session:
        message = session.get(OutboxMessage, message_id, with_for_update=not is_sqlite())
        if message is None:
            raise NotFound("No such message in the outbox.")
        now = utcnow()
        if message.status is MessageStatus.SENT:
            raise InvalidRequest("This message was sent already.")
        if message.status is MessageStatus.SENDING and message.next_attempt_at > now:
            raise InvalidRequest("A worker is sending this message right now.")
        message.status = MessageStatus.PENDING
        message.next_attempt_at = now
        return message
