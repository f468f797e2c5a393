"""Staff forms, validated by Flask-WTF (CSRF included)."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
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

from ..catalog_csv import parse_price_cents
from ..engine.limits import MAX_SHIPMENT_UNITS, latest_expected_on
from ..forms import MAX_ID, IdField
from ..models.types import today as shop_today
from ..services.products import ProductSettings


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


class PriceField(StringField):
    """A price typed as "12.50": `.data` is in cents, or None when it cannot be read."""

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                self.data = parse_price_cents(valuelist[0].strip())
            except ValueError as error:
                raise ValueError(f"The price {error}.") from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return f"{self.data // 100}.{self.data % 100:02d}" if self.data is not None else ""


WHOLE_NUMBER = "Enter a whole number."


def _whole_number(label: str, *, required: bool = True, description: str = "") -> IntegerField:
    presence = InputRequired(WHOLE_NUMBER) if required else Optional()
    return IntegerField(
        label, [presence], invalid_value_message=WHOLE_NUMBER, description=description
    )


class ProductSettingsForm(FlaskForm):
    """Reads what staff typed; the service checks the values (one set of rules)."""

    name = StringField("Name", [InputRequired("Enter the product's name.")])
    price = PriceField("Price", [InputRequired("Enter the price, like 12.50.")])
    description = TextAreaField("Description")
    allow_backorders = SelectField(
        "When out of stock",
        choices=[
            SelectChoice("allow", "Take backorders"),
            SelectChoice("deny", "Do not take backorders"),
        ],
    )
    backorder_limit = _whole_number(
        "Backorder limit",
        required=False,
        description="Most units waiting at once. Leave empty for no limit. Orders already "
        "waiting keep their place when you lower it.",
    )
    backorder_discount_pct = _whole_number(
        "Discount for waiting units (%)",
        description="Applies to new orders; placed orders keep the incentive they were given.",
    )
    backorder_free_shipping = BooleanField("Free shipping for orders with waiting units")
    low_stock_threshold = _whole_number(
        "Low-stock threshold",
        description="At or below this many on hand the shop says “Only N left”, and the "
        "demand report suggests reordering up to it.",
    )
    substitutes = TextAreaField(
        "Substitutes",
        description="Skus of in-stock alternatives, best first, one per line.",
    )

    # The settings field each form field fills, where the names differ.
    _SETTING_OF = {"price": "price_cents"}

    @classmethod
    def for_product(cls, product) -> "ProductSettingsForm":
        return cls(
            formdata=None,
            data={
                "name": product.name,
                "price": product.price_cents,
                "description": product.description,
                "allow_backorders": "allow" if product.allow_backorders else "deny",
                "backorder_limit": product.backorder_limit,
                "backorder_discount_pct": product.backorder_discount_pct,
                "backorder_free_shipping": product.backorder_free_shipping,
                "low_stock_threshold": product.low_stock_threshold,
                "substitutes": "\n".join(link.substitute.sku for link in product.substitute_links),
            },
        )

    def settings(self) -> ProductSettings:
        lines = (self.substitutes.data or "").replace(";", "\n").splitlines()
        return ProductSettings(
            name=self.name.data.strip(),
            description=(self.description.data or "").strip(),
            price_cents=self.price.data,
            allow_backorders=self.allow_backorders.data == "allow",
            backorder_limit=self.backorder_limit.data,
            backorder_discount_pct=self.backorder_discount_pct.data,
            backorder_free_shipping=self.backorder_free_shipping.data,
            low_stock_threshold=self.low_stock_threshold.data,
            substitutes=tuple(sku.strip() for sku in lines if sku.strip()),
        )

    def show_problems(self, problems: dict[str, str]) -> None:
        """Put the service's problems next to the fields they are about."""
        setting_of = self._SETTING_OF
        for form_field in self:
            problem = problems.get(setting_of.get(form_field.name, form_field.name))
            if problem:
                form_field.errors = [*form_field.errors, problem]

    def changed_labels(self, changed: tuple[str, ...]) -> list[str]:
        """The labels of the fields whose settings changed, as the page shows them."""
        field_of = {setting: name for name, setting in self._SETTING_OF.items()}
        return [self[field_of.get(name, name)].label.text for name in changed]


def check_coming_date(field) -> None:
    """A date a shipment can still be expected on: from today to the shop's horizon."""
    if not field.data:
        return
    today = shop_today()
    if field.data < today:
        raise ValidationError("The expected date cannot be in the past.")
    if field.data > latest_expected_on(today):
        raise ValidationError("Choose a date within the next three years.")
