"""Staff forms, validated by Flask-WTF (CSRF included)."""

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..engine.limits import MAX_SHIPMENT_UNITS, latest_expected_on
from ..forms import MAX_ID
from ..models.types import today as shop_today


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


def _row_id(value) -> int:
    """A row id from a select; 0 means none. Out of the database's range is no choice at all."""
    number = int(value)
    if not 0 <= number <= MAX_ID:
        raise ValueError("Not a valid choice.")
    return number


class ReceiveForm(FlaskForm):
    # The services check that the product and shipment exist (and belong together).
    product_id = SelectField(
        "Product", coerce=_row_id, validate_choice=False, validators=[DataRequired()]
    )
    quantity = IntegerField(
        "Units received", validators=[DataRequired(), NumberRange(min=1, max=MAX_SHIPMENT_UNITS)]
    )
    shipment_id = SelectField(
        "Against shipment", coerce=_row_id, validate_choice=False, validators=[Optional()]
    )
    # One per showing of the form: sending the same form twice records the delivery once.
    receipt_key = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])


class ScheduleForm(FlaskForm):
    product_id = SelectField(
        "Product", coerce=_row_id, validate_choice=False, validators=[DataRequired()]
    )
    quantity = IntegerField(
        "Units expected", validators=[DataRequired(), NumberRange(min=1, max=MAX_SHIPMENT_UNITS)]
    )
    # InputRequired, not DataRequired: a date that cannot be read keeps its own message.
    expected_on = DateField("Expected on", validators=[InputRequired("Enter the expected date.")])
    reference = StringField("Reference (optional)", validators=[Optional(), Length(max=120)])

    def validate_expected_on(self, field):
        if not field.data:
            return
        today = shop_today()
        if field.data < today:
            raise ValidationError("The expected date cannot be in the past.")
        if field.data > latest_expected_on(today):
            raise ValidationError("Choose a date within the next three years.")


class ShipForm(FlaskForm):
    """Mark an order's ready units shipped; the service checks carrier and tracking text."""

    carrier = StringField("Carrier (optional)", validators=[Optional(), Length(max=80)])
    tracking_number = StringField(
        "Tracking number (optional)", validators=[Optional(), Length(max=120)]
    )
    # One per showing of the form: sending the same form twice ships once.
    parcel_key = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])


def _order_number(value) -> int:
    number = int(value)
    if not 1 <= number <= MAX_ID:
        raise ValueError("Not an order number.")
    return number


class BulkShipForm(FlaskForm):
    """Ship the ready units of the orders ticked on the orders list, one parcel each."""

    orders = SelectMultipleField(
        "Orders to ship",
        coerce=_order_number,
        validate_choice=False,
        validators=[InputRequired("Tick the orders to ship.")],
    )
    carrier = StringField("Carrier for all (optional)", validators=[Optional(), Length(max=80)])
    parcel_key = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])
