"""Staff forms, validated by Flask-WTF (CSRF included)."""

from datetime import date

from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

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


class ScheduleForm(FlaskForm):
    product_id = SelectField("Product", coerce=int, validators=[DataRequired()])
    quantity = IntegerField(
        "Units expected", validators=[DataRequired(), NumberRange(min=1, max=MAX_UNITS)]
    )
    expected_on = DateField("Expected on", validators=[DataRequired()])
    reference = StringField("Reference (optional)", validators=[Optional(), Length(max=120)])

    def validate_expected_on(self, field):
        if field.data and field.data < date.today():
            raise ValidationError("The expected date cannot be in the past.")
