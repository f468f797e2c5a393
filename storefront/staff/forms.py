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

from ..models.types import today as shop_today
from ..services.catalog_import import latest_expected_on

MAX_UNITS = 1_000_000


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class ReceiveForm(FlaskForm):
    product_id = SelectField("Product", coerce=int, validators=[DataRequired()])
    quantity = IntegerField(
        "Units received", validators=[DataRequired(), NumberRange(min=1, max=MAX_UNITS)]
    )
    shipment_id = SelectField("Against shipment", coerce=int, validators=[Optional()])
    # One per showing of the form: sending the same form twice records the delivery once.
    receipt_key = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])


class ScheduleForm(FlaskForm):
    product_id = SelectField("Product", coerce=int, validators=[DataRequired()])
    quantity = IntegerField(
        "Units expected", validators=[DataRequired(), NumberRange(min=1, max=MAX_UNITS)]
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
