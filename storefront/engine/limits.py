"""The shop's limits on quantities and dates: one constant per rule, read everywhere."""

from datetime import date

# Units of one product in one order (and in the cart).
MAX_LINE_QUANTITY = 999
# Different products in one order (and in the cart).
MAX_ORDER_LINES = 50
# Units in one delivery or one expected shipment.
MAX_SHIPMENT_UNITS = 1_000_000
# 1,000,000.00 keeps every order total well inside the database's integers.
MAX_PRICE_CENTS = 100_000_000
# Ranked substitutes offered for one product: more than this is no ranking any shopper reads.
MAX_SUBSTITUTES = 10
# A product's description, in characters (a page of text).
MAX_DESCRIPTION_LENGTH = 5_000
# A shipment expected further out than this is a typo, and a date near 9999 would
# overflow when handling days are added to it.
SCHEDULE_YEARS_AHEAD = 3


def latest_expected_on(today: date) -> date:
    """The last day a shipment may be expected on, counted from `today`."""
    try:
        return today.replace(year=today.year + SCHEDULE_YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + SCHEDULE_YEARS_AHEAD, day=28)


QUANTITY_MESSAGE = f"Enter a whole number from 1 to {MAX_LINE_QUANTITY}."
