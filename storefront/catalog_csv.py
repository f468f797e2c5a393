"""Catalog and inbound-shipment CSV files, read strictly: text in, rows out, or the line to fix.

Pure (no database): what needs the database (skus that must exist) is checked on import,
by `services.importing`.
"""

import csv
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .engine.limits import MAX_PRICE_CENTS, MAX_SHIPMENT_UNITS, latest_expected_on
from .models import InboundShipment, Product
from .models.types import today as shop_today
from .services.errors import InvalidRequest

CATALOG_REQUIRED = ("sku", "name", "price", "stock")
CATALOG_OPTIONAL = (
    "category",
    "description",
    "backorders",
    "backorder_limit",
    "backorder_discount_pct",
    "backorder_free_shipping",
    "substitutes",
    "low_stock_threshold",
    "supplier",
)
INBOUND_REQUIRED = ("sku", "quantity", "expected_on")
INBOUND_OPTIONAL = ("reference",)

_products = Product.__table__.c
SKU_MAX = _products.sku.type.length
NAME_MAX = _products.name.type.length
CATEGORY_MAX = _products.category.type.length
SUPPLIER_MAX = _products.supplier.type.length
SLUG_MAX = _products.slug.type.length
REFERENCE_MAX = InboundShipment.__table__.c.reference.type.length
_WHOLE_NUMBER = re.compile(r"[0-9]+")
_AMOUNT = re.compile(r"[0-9]+(\.[0-9]*)?|\.[0-9]+")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class CsvError(InvalidRequest):
    """A file that cannot be imported; `line` is its physical line number (header = 1)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass(frozen=True)
class CatalogRow:
    """One product as the file describes it.

    An optional field left as None means "the shop's default" for a new product and
    "leave as it is" for an existing one; that holds for an absent column and for an
    empty cell alike. Two columns replace what they describe whenever they are present,
    because an empty cell is how they say "none": `substitutes` (an empty cell removes
    all substitutes) and `backorder_limit` (an empty cell means no limit), recorded in
    `substitutes` being a tuple and `sets_backorder_limit` being true.
    """

    line: int
    sku: str
    name: str
    price_cents: int
    stock: int
    category: str | None = None
    description: str | None = None
    allow_backorders: bool | None = None
    sets_backorder_limit: bool = False
    backorder_limit: int | None = None
    backorder_discount_pct: int | None = None
    backorder_free_shipping: bool | None = None
    substitutes: tuple[str, ...] | None = None
    low_stock_threshold: int | None = None
    supplier: str | None = None
    slug: str | None = None  # not a column: files get a slug made from the name


@dataclass(frozen=True)
class InboundRow:
    """One expected shipment: units of a product due on a date."""

    line: int
    sku: str
    quantity: int
    expected_on: date
    reference: str = ""


def decode_csv(data: bytes) -> str:
    """The text of an uploaded or opened file, without a UTF-8 byte order mark."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CsvError(line, "is not UTF-8 text; save the file as CSV UTF-8") from None


def parse_catalog(text_stream: Iterable[str]) -> list[CatalogRow]:
    """Read a catalog file (lines of text, as from a file opened with newline="")."""
    rows = []
    first_line_of: dict[str, int] = {}
    for line, cells in _records(text_stream, CATALOG_REQUIRED, CATALOG_OPTIONAL):
        row = _catalog_row(line, cells)
        if row.sku in first_line_of:
            raise CsvError(
                line, f"sku {row.sku!r} appears again (first on line {first_line_of[row.sku]})"
            )
        first_line_of[row.sku] = line
        rows.append(row)
    return rows


def parse_inbound(text_stream: Iterable[str], today: date | None = None) -> list[InboundRow]:
    """Read an inbound-shipments file; whether its skus exist is checked on import.

    Expected dates must fall from `today` (by default the shop's) to three years on.
    """
    today = today or shop_today()
    return [
        InboundRow(
            line=line,
            sku=_sku(line, cells["sku"]),
            quantity=_whole_number(line, "quantity", cells["quantity"], 1, MAX_SHIPMENT_UNITS),
            expected_on=_expected_on(line, cells["expected_on"], today),
            reference=_text(line, "reference", cells.get("reference", ""), REFERENCE_MAX),
        )
        for line, cells in _records(text_stream, INBOUND_REQUIRED, INBOUND_OPTIONAL)
    ]


def _records(
    text_stream: Iterable[str], required: Sequence[str], optional: Sequence[str]
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, stripped cells by column) for each non-blank row after the header."""
    reader = csv.reader(text_stream)
    header: list[str] | None = None
    next_line = 1
    while True:
        line = next_line
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise CsvError(line, f"cannot be read as CSV ({error})") from None
        # A quoted value may span lines: the row starts here, the next one after its end.
        next_line = reader.line_num + 1
        if header is None and cells:
            cells[0] = cells[0].removeprefix("\ufeff")
        cells = [cell.strip() for cell in cells]
        if any("\x00" in cell for cell in cells):
            raise CsvError(line, "contains a NUL character (byte 0); save the file as CSV text")
        if not any(cells):
            continue
        if header is None:
            header = _header(line, cells, required, optional)
            continue
        if len(cells) != len(header):
            raise CsvError(
                line, f"has {len(cells)} values but the header has {len(header)} columns"
            )
        yield line, dict(zip(header, cells, strict=True))
    if header is None:
        raise CsvError(1, f"the file is empty; it must start with the header {','.join(required)}")


def _header(
    line: int, cells: list[str], required: Sequence[str], optional: Sequence[str]
) -> list[str]:
    names = [cell.lower() for cell in cells]
    if "" in names:
        raise CsvError(line, f"column {names.index('') + 1} of the header has no name")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise CsvError(line, f"the header repeats {', '.join(repeated)}")
    problems = []
    missing = [name for name in required if name not in names]
    if missing:
        problems.append(f"the header lacks the required {', '.join(missing)}")
    unknown = [name for name in names if name not in required and name not in optional]
    if unknown:
        problems.append(
            f"unknown column {', '.join(unknown)} (the optional ones are {', '.join(optional)})"
        )
    if problems:
        raise CsvError(line, "; ".join(problems))
    return names


def _catalog_row(line: int, cells: dict[str, str]) -> CatalogRow:
    sku = _sku(line, cells["sku"])
    substitutes = None
    if "substitutes" in cells:
        substitutes = _substitutes(line, sku, cells["substitutes"])
    return CatalogRow(
        line=line,
        sku=sku,
        name=_text(line, "name", cells["name"], NAME_MAX, required=True),
        price_cents=_price_cents(line, cells["price"]),
        stock=_whole_number(line, "stock", cells["stock"], 0, MAX_SHIPMENT_UNITS),
        category=_optional(cells, "category", lambda v: _text(line, "category", v, CATEGORY_MAX)),
        description=_optional(cells, "description", lambda v: v),
        supplier=_optional(cells, "supplier", lambda v: _text(line, "supplier", v, SUPPLIER_MAX)),
        allow_backorders=_optional(
            cells, "backorders", lambda v: _choice(line, "backorders", v, allow=True, deny=False)
        ),
        sets_backorder_limit="backorder_limit" in cells,
        backorder_limit=_optional(
            cells,
            "backorder_limit",
            lambda v: _whole_number(line, "backorder_limit", v, 0, MAX_SHIPMENT_UNITS),
        ),
        backorder_discount_pct=_optional(
            cells,
            "backorder_discount_pct",
            lambda v: _whole_number(line, "backorder_discount_pct", v, 0, 100),
        ),
        backorder_free_shipping=_optional(
            cells,
            "backorder_free_shipping",
            lambda v: _choice(line, "backorder_free_shipping", v, yes=True, no=False),
        ),
        substitutes=substitutes,
        low_stock_threshold=_optional(
            cells,
            "low_stock_threshold",
            lambda v: _whole_number(line, "low_stock_threshold", v, 0, MAX_SHIPMENT_UNITS),
        ),
    )


def _optional(cells: dict[str, str], column: str, parse):
    value = cells.get(column, "")
    return parse(value) if value else None


def _shown(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:37] + "...")


def _required(line: int, column: str, value: str) -> None:
    if not value:
        raise CsvError(line, f"{column} is required")


def _sku(line: int, value: str) -> str:
    _required(line, "sku", value)
    if len(value) > SKU_MAX:
        raise CsvError(line, f"sku must be at most {SKU_MAX} characters")
    if ";" in value:
        raise CsvError(line, f"sku must not contain ';' (it separates substitutes): {value!r}")
    return value


def _text(line: int, column: str, value: str, max_length: int, *, required: bool = False) -> str:
    if required:
        _required(line, column, value)
    if len(value) > max_length:
        raise CsvError(line, f"{column} must be at most {max_length} characters")
    return value


def _whole_number(line: int, column: str, value: str, low: int, high: int) -> int:
    _required(line, column, value)
    if not _WHOLE_NUMBER.fullmatch(value) or not low <= int(value) <= high:
        raise CsvError(
            line, f"{column} must be a whole number from {low} to {high:,}, not {_shown(value)}"
        )
    return int(value)


def _price_cents(line: int, value: str) -> int:
    _required(line, "price", value)
    try:
        return parse_price_cents(value)
    except ValueError as error:
        raise CsvError(line, f"price {error}") from None


def parse_price_cents(value: str) -> int:
    """A price typed in currency units ("12.5", "12.50", "1299") as cents.

    ValueError says what is wrong, as words to follow "price" (the file and the staff
    form both use it).
    """
    if value.startswith("-") and _AMOUNT.fullmatch(value[1:]):
        raise ValueError(f"must not be negative, not {_shown(value)}")
    if not _AMOUNT.fullmatch(value):
        raise ValueError(f"must be a number like 12.50, not {_shown(value)}")
    amount = Decimal(value)
    exponent = amount.as_tuple().exponent  # a letter only for NaN and Infinity
    if isinstance(exponent, str) or exponent < -2:
        raise ValueError(f"must have at most 2 decimals, not {_shown(value)}")
    cents = int(amount * 100)
    if cents > MAX_PRICE_CENTS:
        raise ValueError(f"must be at most {MAX_PRICE_CENTS // 100:,}.00")
    return cents


def _choice(line: int, column: str, value: str, **meanings: bool) -> bool:
    try:
        return meanings[value.lower()]
    except KeyError:
        raise CsvError(
            line, f"{column} must be {' or '.join(meanings)}, not {_shown(value)}"
        ) from None


def _iso_date(line: int, column: str, value: str) -> date:
    _required(line, column, value)
    try:
        if _ISO_DATE.fullmatch(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise CsvError(line, f"{column} must be a date like 2025-03-31, not {_shown(value)}")


def _expected_on(line: int, value: str, today: date) -> date:
    expected_on = _iso_date(line, "expected_on", value)
    latest = latest_expected_on(today)
    if not today <= expected_on <= latest:
        raise CsvError(
            line,
            f"expected_on must be from today ({today.isoformat()}) to {latest.isoformat()}, "
            f"not {_shown(value)}",
        )
    return expected_on


def _substitutes(line: int, sku: str, value: str) -> tuple[str, ...]:
    skus = [part.strip() for part in value.split(";") if part.strip()]
    for substitute in skus:
        if len(substitute) > SKU_MAX:
            raise CsvError(line, f"substitute skus must be at most {SKU_MAX} characters")
        if substitute == sku:
            raise CsvError(line, f"{sku!r} cannot be its own substitute")
    repeated = sorted({s for s in skus if skus.count(s) > 1})
    if repeated:
        raise CsvError(line, f"substitute {repeated[0]!r} is listed twice")
    return tuple(skus)


def slugify(text: str) -> str:
    """Lowercase ascii words joined by hyphens: "Crème Brûlée Set" -> "creme-brulee-set"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
