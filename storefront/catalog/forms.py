"""The catalog's one form of its own: an email address for a back-in-stock alert."""

from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms.validators import DataRequired, Email, Length


class AlertForm(FlaskForm):
    email = EmailField(
        "Your email address",
        validators=[
            DataRequired("Enter your email address."),
            Length(max=254, message="That email address is too long."),
            Email("Enter an email address like name@example.com."),
        ],
        filters=[lambda value: value.strip() if value else value],
        render_kw={"autocomplete": "email", "placeholder": "name@example.com"},
    )
