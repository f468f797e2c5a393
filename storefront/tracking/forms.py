"""Forms for finding an order and for changing its waiting units (Flask-WTF: CSRF included)."""

import re

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ..engine.limits import MAX_LINE_QUANTITY
from ..forms import IdField, customer_email

_ORDER_NUMBER = re.compile(r"#?\s*([0-9]{1,9})")


class LookupForm(FlaskForm):
    # Deliberately no format checks beyond "filled in": any wrong number or email gets the
    # same "not found" answer, so the form cannot be used to learn which orders exist.
    number = StringField(
        "Order number",
        validators=[DataRequired("Enter your order number."), Length(max=20)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    email = EmailField(
        "Email address used for the order",
        validators=[DataRequired("Enter the email address you ordered with."), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )

    def order_number(self) -> int | None:
        match = _ORDER_NUMBER.fullmatch(self.number.data.strip())
        return int(match.group(1)) if match else None


class SendLinksForm(FlaskForm):
    email = customer_email(
        "Email address used for your orders", "Enter the email address you ordered with."
    )


class CancelForm(FlaskForm):
    units = IntegerField(
        "Units to cancel",
        validators=[
            InputRequired("Enter how many waiting units to cancel."),
            NumberRange(1, MAX_LINE_QUANTITY, "Enter a whole number of units, at least 1."),
        ],
    )
    confirm = HiddenField()

    @property
    def confirmed(self) -> bool:
        return self.confirm.data == "yes"


class SubstituteForm(FlaskForm):
    substitute_id = IdField("Substitute")
    units = IntegerField(
        "Units to switch", validators=[InputRequired(), NumberRange(1, MAX_LINE_QUANTITY)]
    )
