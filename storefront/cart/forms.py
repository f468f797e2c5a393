"""Forms for the cart and the checkout (Flask-WTF: CSRF and validation included)."""

from flask import current_app
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp

from ..engine.limits import MAX_LINE_QUANTITY, QUANTITY_MESSAGE
from ..forms import IdField, customer_email
from ..services.orders import Contact

COUNTRY_NAMES = [
    ("US", "United States"),
    ("CA", "Canada"),
    ("GB", "United Kingdom"),
    ("IE", "Ireland"),
    ("DE", "Germany"),
    ("FR", "France"),
    ("NL", "Netherlands"),
    ("BE", "Belgium"),
    ("ES", "Spain"),
    ("IT", "Italy"),
    ("AT", "Austria"),
    ("CH", "Switzerland"),
    ("SE", "Sweden"),
    ("DK", "Denmark"),
    ("NO", "Norway"),
    ("FI", "Finland"),
    ("AU", "Australia"),
    ("NZ", "New Zealand"),
]
COUNTRIES = [SelectChoice("", "Choose a country")] + [
    SelectChoice(code, name) for code, name in COUNTRY_NAMES
]
# A snapshot of a full cart: every line with each of its choices.
MAX_SNAPSHOT_LENGTH = 48_000


class AddToCartForm(FlaskForm):
    product_id = IdField("Product")
    quantity = IntegerField(
        "Quantity",
        validators=[
            InputRequired(QUANTITY_MESSAGE),
            NumberRange(1, MAX_LINE_QUANTITY, QUANTITY_MESSAGE),
        ],
    )


class UpdateLineForm(FlaskForm):
    product_id = IdField("Product")
    quantity = IntegerField(
        "Quantity",
        validators=[
            InputRequired(QUANTITY_MESSAGE),
            NumberRange(0, MAX_LINE_QUANTITY, f"Enter 0 to remove, or up to {MAX_LINE_QUANTITY}."),
        ],
    )


class CheckoutForm(FlaskForm):
    # `autocomplete` tokens (HTML's autofill names) let browsers fill in the address.
    name = StringField(
        "Full name",
        validators=[DataRequired("Enter your name."), Length(max=200)],
        render_kw={"autocomplete": "name"},
    )
    email = customer_email("Email", "Enter your email address.")
    address_line1 = StringField(
        "Address",
        validators=[DataRequired("Enter the street address."), Length(max=200)],
        render_kw={"autocomplete": "address-line1"},
    )
    address_line2 = StringField(
        "Address line 2 (optional)",
        validators=[Length(max=200)],
        render_kw={"autocomplete": "address-line2"},
    )
    city = StringField(
        "City",
        validators=[DataRequired("Enter the city."), Length(max=100)],
        render_kw={"autocomplete": "address-level2"},
    )
    postcode = StringField(
        "Postcode",
        validators=[
            DataRequired("Enter the postcode."),
            Length(max=20),
            Regexp(r"^[A-Za-z0-9 -]+$", message="Use letters, digits, spaces and hyphens only."),
        ],
        render_kw={"autocomplete": "postal-code"},
    )
    country = SelectField(
        "Country",
        choices=COUNTRIES,
        validators=[DataRequired("Choose the country.")],
        render_kw={"autocomplete": "country"},
    )
    checkout_key = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])
    # What the page showed, signed: placing the order checks it still holds.
    snapshot = HiddenField(validators=[DataRequired(), Length(max=MAX_SNAPSHOT_LENGTH)])

    def contact(self) -> Contact:
        return Contact(
            email=self.email.data,
            name=self.name.data,
            address_line1=self.address_line1.data,
            address_line2=self.address_line2.data or "",
            city=self.city.data,
            postcode=self.postcode.data,
            country=self.country.data,
        )


def _snapshots() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="checkout-snapshot")


def sign_snapshot(shown: dict) -> str:
    return _snapshots().dumps(shown)


def read_snapshot(signed: str) -> dict:
    """What a checkout page showed; a forged or garbled value showed nothing."""
    try:
        shown = _snapshots().loads(signed)
    except BadSignature:
        return {}
    return shown if isinstance(shown, dict) else {}
