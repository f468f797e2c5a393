"""Form fields every blueprint's forms share."""

from wtforms import EmailField, IntegerField
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    StopValidation,
)

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


def customer_email(label: str, required: str, **render_kw) -> EmailField:
    """A customer's email address, checked alike wherever the shop asks for one."""
    return EmailField(
        label,
        validators=[
            DataRequired(required),
            Length(max=254, message="That email address is too long."),
            Email("Enter an email address like name@example.com."),
        ],
        filters=[lambda value: value.strip() if value else value],
        render_kw={"autocomplete": "email", **render_kw},
    )
