"""Staff outbox: the emails pending, failed and sent, each readable as its customer sees it."""

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm

from ..forms import MAX_ID
from ..notify.delivery import retry_now
from ..notify.outbox import message_bodies
from ..queries.outbox import SHOWN_AS, outbox_counts, outbox_message, outbox_messages
from ..services import NotFound, ServiceError
from . import bp

# The stored HTML is shown in a sandboxed frame of its own: no script, no form, no
# request anywhere, and only this site may frame it.
EMAIL_CSP = "; ".join(
    [
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        "img-src data:",
        "sandbox",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'self'",
    ]
)


class RetryForm(FlaskForm):
    """Nothing to fill in: the CSRF token is the form."""


@bp.get("/outbox")
@login_required
def outbox():
    shown = request.args.get("status", "pending")
    if shown not in SHOWN_AS:
        abort(404, "There is no such list of emails.")
    return render_template(
        "staff/outbox.html",
        shown=shown,
        counts=outbox_counts(),
        messages=outbox_messages(shown),
    )


@bp.get("/outbox/<int:message_id>")
@login_required
def outbox_email(message_id: int):
    message = _message_or_404(message_id)
    text_body, _ = message_bodies(message)
    return render_template("staff/outbox_email.html", message=message, text_body=text_body)


@bp.get("/outbox/<int:message_id>/email.html")
@login_required
def outbox_email_html(message_id: int):
    _, html_body = message_bodies(_message_or_404(message_id))
    response = make_response(html_body)
    response.headers["Content-Security-Policy"] = EMAIL_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.post("/outbox/<int:message_id>/retry")
@login_required
def outbox_retry(message_id: int):
    if not RetryForm().validate_on_submit():
        abort(400, "The form has expired; please try again.")
    try:
        message = retry_now(message_id if message_id <= MAX_ID else 0)
    except NotFound as missing:
        abort(404, str(missing))
    except ServiceError as error:
        flash(str(error), "error")
    else:
        flash(f"Email to {message.recipient} will be sent again within seconds.", "success")
    if request.form.get("back") == "list":
        return redirect(url_for(".outbox", status="pending"), 303)
    return redirect(url_for(".outbox_email", message_id=message_id), 303)


def _message_or_404(message_id: int):
    message = outbox_message(message_id) if message_id <= MAX_ID else None
    if message is None:
        abort(404, "There is no such email in the outbox.")
    return message
