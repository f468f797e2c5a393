"""Staff forms, validated by Flask-WTF (CSRF included)."""

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
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
from wtforms.widgets import HiddenInput

from ..engine.limits import MAX_SHIPMENT_UNITS, latest_expected_on
from ..forms import MAX_ID, IdField
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


def _units(label: str) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            InputRequired("Enter a number of units."),
            NumberRange(
                min=1,
                max=MAX_SHIPMENT_UNITS,
                message=f"Enter a whole number from 1 to {MAX_SHIPMENT_UNITS:,}.",
            ),
        ],
    )


def _product_id() -> IdField:
    return IdField(widget=HiddenInput(), unknown="Unknown product.")


REST_HINT = "Leave it empty if the rest of the shipment will not come."


class ReceiptPlanForm(FlaskForm):
    """What a delivery is: enough to preview it (the live preview reads it from the URL)."""

    # The services check that the product and shipment exist (and belong together).
    product_id = _product_id()
    quantity = _units("Units received")
    shipment_id = SelectField(
        "Against shipment", coerce=_row_id, validate_choice=False, validators=[Optional()]
    )
    rest_expected_on = DateField(
        "Rest of the shipment expected on (if fewer came)",
        validators=[Optional()],
        description=REST_HINT,
    )

    def validate_rest_expected_on(self, field):
        check_coming_date(field)


class ReceiveForm(ReceiptPlanForm):
    # One per showing of the form: sending the same form twice records the delivery once.
    receipt_key = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])


class ShipmentReceiveForm(FlaskForm):
    quantity = _units("Units that arrived")
    rest_expected_on = DateField(
        "The other units are now expected on (if fewer came)",
        validators=[Optional()],
        description=REST_HINT,
    )

    def validate_rest_expected_on(self, field):
        check_coming_date(field)

    receipt_key = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])


class ShipmentEditForm(FlaskForm):
    quantity = _units("Units expected")
    # The service checks the range: an overdue shipment may keep its past date.
    expected_on = DateField("Expected on", validators=[InputRequired("Enter the expected date.")])


class ShipmentCancelForm(FlaskForm):
    """Nothing to type: the token proves the page sent it."""


class ScheduleForm(FlaskForm):
    product_id = _product_id()
    quantity = _units("Units expected")
    # InputRequired, not DataRequired: a date that cannot be read keeps its own message.
    expected_on = DateField("Expected on", validators=[InputRequired("Enter the expected date.")])
    reference = StringField("Reference (optional)", validators=[Optional(), Length(max=120)])

    def validate_expected_on(self, field):
        check_coming_date(field)


def check_coming_date(field) -> None:
    """A date a shipment can still be expected on: from today to the shop's horizon."""
    if not field.data:
        return
    today = shop_today()
    if field.data < today:
        raise ValidationError("The expected date cannot be in the past.")
    if field.data > latest_expected_on(today):
        raise ValidationError("Choose a date within the next three years.")
