"""Forms for the cart and the checkout (Flask-WTF: CSRF and validation included)."""

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Regexp,
    StopValidation,
)

from .services.orders import MAX_LINE_QUANTITY

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
QUANTITY_MESSAGE = f"Enter a whole number from 1 to {MAX_LINE_QUANTITY}."
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
    name = StringField("Full name", validators=[DataRequired("Enter your name."), Length(max=200)])
    email = EmailField(
        "Email",
        validators=[
            DataRequired("Enter your email address."),
            Email("Enter an email address like name@example.com."),
            Length(max=254),
        ],
    )
    address_line1 = StringField(
        "Address", validators=[DataRequired("Enter the street address."), Length(max=200)]
    )
    address_line2 = StringField("Address line 2 (optional)", validators=[Length(max=200)])
    city = StringField("City", validators=[DataRequired("Enter the city."), Length(max=100)])
    postcode = StringField(
        "Postcode",
        validators=[
            DataRequired("Enter the postcode."),
            Length(max=20),
            Regexp(r"^[A-Za-z0-9 -]+$", message="Use letters, digits, spaces and hyphens only."),
        ],
    )
    country = SelectField(
        "Country", choices=COUNTRIES, validators=[DataRequired("Choose the country.")]
    )
    checkout_key = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])
    snapshot = HiddenField(validators=[DataRequired(), Length(max=8000)])
