"""The catalog's one form of its own: an email address for a back-in-stock alert."""

from flask_wtf import FlaskForm

from ..forms import customer_email


class AlertForm(FlaskForm):
    email = customer_email(
        "Your email address", "Enter your email address.", placeholder="name@example.com"
    )
