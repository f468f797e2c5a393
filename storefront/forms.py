"""Form fields every blueprint's forms share."""

from flask import current_app, request, session
from flask_wtf.csrf import CSRFError, generate_csrf
from markupsafe import Markup
from wtforms import EmailField, IntegerField
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    StopValidation,
)

from .extensions import csrf

# Ids are 32-bit integer columns; a larger number makes the database driver raise.
MAX_ID = 2**31 - 1


class IdField(IntegerField):
    """A row's id: `.data` is a whole number from 1 to MAX_ID or None, even before validation.

    The cart looks its product up before validating (to show the product page with the
    error), so an id no row can have must never reach the database as a number.
    """

    def __init__(self, label=None, validators=(), *, unknown="Unknown product.", **kwargs):
        self.unknown = unknown
        super().__init__(
            label,
            [InputRequired(unknown), NumberRange(1, MAX_ID, unknown), *validators],
            invalid_value_message=unknown,
            **kwargs,
        )

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not 1 <= self.data <= MAX_ID:
            self.data = None
            raise ValueError(self.unknown)

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()  # processing said what is wrong; once is enough


def customer_email(label: str, required: str, **render_kw) -> EmailField:
    """A customer's email address, checked alike wherever the shop asks for one."""
    return EmailField(
        label,
        validators=[
            DataRequired(required),
            Length(max=254, message="That email address is too long."),
            Email("Enter an email address like name@example.com."),
        ],
        filters=[lambda value: value.strip() if value else value],
        render_kw={"autocomplete": "email", **render_kw},
    )


# ---------- Forms a first-time visitor sends without a session ----------
#
# The product page's forms (add to cart, email me when available) are read far more than
# sent. They carry the session's CSRF token when the shopper has one; a first visit has
# none, and making one would set a cookie on every page read and make each such page the
# visitor's own. So there they go without a token, and the post is accepted only when the
# browser shows it came from the shop's own pages: `Sec-Fetch-Site: same-origin`, or from
# a browser that does not send that, an `Origin` that is the shop's. A post that carries a
# token is checked as every other form's is.

SAME_ORIGIN_REFUSED = "This form must be sent from the shop's own page."


def has_form_token() -> bool:
    """Whether the shopper's session already holds a CSRF secret (no new one is made)."""
    return current_app.config["WTF_CSRF_FIELD_NAME"] in session


def shopper_form_token() -> Markup:
    """The token field for a shopper's form: the session's token, or none without one."""
    if not (has_form_token() and current_app.config["WTF_CSRF_ENABLED"]):
        return Markup("")
    name = current_app.config["WTF_CSRF_FIELD_NAME"]
    return Markup(f'<input type="hidden" name="{name}" value="{generate_csrf()}">')


def check_shopper_post() -> None:
    """Raise CSRFError unless the post carries a valid token or came from the shop itself.

    Either way the session gets its form secret now, as a post may write the session: a
    page shown again after a refusal carries a token any browser can send, and the pages
    after a taken post get theirs without a page read writing the session.
    """
    sent_token = request.form.get(current_app.config["WTF_CSRF_FIELD_NAME"])
    try:
        if not current_app.config["WTF_CSRF_ENABLED"]:
            return
        if sent_token:
            csrf.protect()
        elif not came_from_this_site():
            raise CSRFError(SAME_ORIGIN_REFUSED)
    finally:
        generate_csrf()


def came_from_this_site() -> bool:
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("Origin")
    return origin is not None and origin == request.host_url.rstrip("/")
