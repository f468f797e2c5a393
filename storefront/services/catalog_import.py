"""Catalog and inbound-shipment CSV files: read them strictly, import each file in one go.

Reading is pure (no database): it turns text into rows or fails with the line to fix.
Importing checks what needs the database (skus that must exist) and writes the whole
file in one transaction, so a bad row anywhere means nothing was imported.
"""

import csv
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..database import write_transaction
from ..models import InboundShipment, OrderLine, Product, ShipmentStatus, Substitute
from ..models.types import today as shop_today
from ..models.types import utcnow
from .errors import InvalidRequest
from .stock import MAX_UNITS, apply_receipt, refresh_schedules
from .supply import Timeline, load_stock, lock_products, refresh_product

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
)
INBOUND_REQUIRED = ("sku", "quantity", "expected_on")
INBOUND_OPTIONAL = ("reference",)

_products = Product.__table__.c
SKU_MAX = _products.sku.type.length
NAME_MAX = _products.name.type.length
CATEGORY_MAX = _products.category.type.length
SLUG_MAX = _products.slug.type.length
REFERENCE_MAX = InboundShipment.__table__.c.reference.type.length
MAX_PRICE_CENTS = 100_000_000  # 1,000,000.00 keeps every total well inside a 32-bit integer
# A shipment further out than this is a typo, and a date near 9999 would overflow when the
# promise engine adds handling days to it.
SCHEDULE_YEARS_AHEAD = 3

# PostgreSQL takes at most 65,535 parameters in one statement; lock in slices below that.
_LOCK_BATCH = 30_000

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


@dataclass(frozen=True)
class InboundRow:
    """One expected shipment: units of a product due on a date."""

    line: int
    sku: str
    quantity: int
    expected_on: date
    reference: str = ""


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int

    @property
    def products(self) -> int:
        return self.created + self.updated


# Reading ---------------------------------------------------------------------------------


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
            quantity=_whole_number(line, "quantity", cells["quantity"], 1, MAX_UNITS),
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
        stock=_whole_number(line, "stock", cells["stock"], 0, MAX_UNITS),
        category=_optional(cells, "category", lambda v: _text(line, "category", v, CATEGORY_MAX)),
        description=_optional(cells, "description", lambda v: v),
        allow_backorders=_optional(
            cells, "backorders", lambda v: _choice(line, "backorders", v, allow=True, deny=False)
        ),
        sets_backorder_limit="backorder_limit" in cells,
        backorder_limit=_optional(
            cells,
            "backorder_limit",
            lambda v: _whole_number(line, "backorder_limit", v, 0, MAX_UNITS),
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
            lambda v: _whole_number(line, "low_stock_threshold", v, 0, MAX_UNITS),
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
    if value.startswith("-") and _AMOUNT.fullmatch(value[1:]):
        raise CsvError(line, f"price must not be negative, not {_shown(value)}")
    if not _AMOUNT.fullmatch(value):
        raise CsvError(line, f"price must be a number like 12.50, not {_shown(value)}")
    amount = Decimal(value)
    if amount.as_tuple().exponent < -2:
        raise CsvError(line, f"price must have at most 2 decimals, not {_shown(value)}")
    cents = int(amount * 100)
    if cents > MAX_PRICE_CENTS:
        raise CsvError(line, f"price must be at most {MAX_PRICE_CENTS // 100:,}.00")
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


def latest_expected_on(today: date) -> date:
    """The furthest date a shipment may be scheduled for: three years from `today`."""
    try:
        return today.replace(year=today.year + SCHEDULE_YEARS_AHEAD)
    except ValueError:  # 29 February, and that year has none
        return today.replace(year=today.year + SCHEDULE_YEARS_AHEAD, day=28)


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


# Importing -------------------------------------------------------------------------------


def import_catalog(rows: Sequence[CatalogRow]) -> ImportSummary:
    """Create or update every product in the file in one transaction, or none of them.

    A new product starts with `stock` units on hand. For an existing product, `stock` is
    the number of units available to sell (not reserved for orders): more than on hand are
    received like a delivery,
    so waiting orders are filled first (first come, first served) and only the rest goes
    on hand; fewer lower on hand to `stock`. An existing product keeps its slug, so links
    already sent to customers keep working.
    """
    try:
        with write_transaction() as session:
            id_of, slugs = _catalog_index(session)
            _check_substitutes(rows, id_of)
            updates = [row for row in rows if row.sku in id_of]
            new_rows = [row for row in rows if row.sku not in id_of]
            timeline = Timeline()
            if updates:
                _update_products(session, updates, id_of, timeline)
            if new_rows:
                _insert_products(session, new_rows, slugs)
            if any(row.substitutes is not None for row in rows):
                _replace_substitutes(session, rows)
            timeline.write(session)
    except IntegrityError:
        # Only a product created by someone else during the import can collide here.
        raise InvalidRequest(
            "The catalog changed while importing; nothing was imported. Please try again."
        ) from None
    return ImportSummary(created=len(new_rows), updated=len(updates))


def import_inbound(rows: Sequence[InboundRow]) -> int:
    """Schedule every shipment in the file in one transaction and move affected dates."""
    with write_transaction() as session:
        id_of, _ = _catalog_index(session)
        for row in rows:
            if row.sku not in id_of:
                raise CsvError(row.line, f"no product has sku {row.sku!r}")
        products = _lock(session, {id_of[row.sku]: row.sku for row in rows})
        if rows:
            session.execute(
                insert(InboundShipment),
                [
                    {
                        "product_id": id_of[row.sku],
                        "quantity": row.quantity,
                        "expected_on": row.expected_on,
                        "reference": row.reference,
                        "status": ShipmentStatus.SCHEDULED,
                    }
                    for row in rows
                ],
            )
        # With units on hand nothing waits and nothing is promised, so new shipments change
        # nothing stored. refresh_schedules writes the timeline of the dates it moved.
        out_of_stock = [product for product in products.values() if product.on_hand == 0]
        with session.no_autoflush:  # it reads lines and shipments, never pending products
            refresh_schedules(session, out_of_stock)
    return len(rows)


def _catalog_index(session: Session) -> tuple[dict[str, int], set[str]]:
    """Every product's id by sku, and the slugs taken, in one query."""
    id_of, slugs = {}, set()
    for product_id, sku, slug in session.execute(select(Product.id, Product.sku, Product.slug)):
        id_of[sku] = product_id
        slugs.add(slug)
    return id_of, slugs


def _check_substitutes(rows: Sequence[CatalogRow], id_of: dict[str, int]) -> None:
    in_file = {row.sku for row in rows}
    for row in rows:
        for sku in row.substitutes or ():
            if sku not in in_file and sku not in id_of:
                raise CsvError(row.line, f"substitute {sku!r} is not in this file or the catalog")


def _lock(session: Session, sku_of: dict[int, str]) -> dict[int, Product]:
    """lock_products for any number of products, in slices that keep the sku order."""
    ids = sorted(sku_of, key=sku_of.__getitem__)
    locked: dict[int, Product] = {}
    for start in range(0, len(ids), _LOCK_BATCH):
        locked.update(lock_products(session, ids[start : start + _LOCK_BATCH]))
    return locked


def _update_products(
    session: Session, rows: Sequence[CatalogRow], id_of: dict[str, int], timeline: Timeline
) -> None:
    products = _lock(session, {id_of[row.sku]: row.sku for row in rows})
    # Read under the locks, so no line can start or stop waiting before we use this.
    with_waiting_lines = set(
        session.scalars(select(OrderLine.product_id).where(OrderLine.waiting > 0).distinct())
    )
    plain_changes = []
    # Flushing before each query would cost a flush a product; the queries read order
    # lines and shipments, which are written directly, never the pending products.
    with session.no_autoflush:
        for row in rows:
            product = products[id_of[row.sku]]
            changes = {
                field: value
                for field, value in _product_values(row).items()
                if getattr(product, field) != value
            }
            fills_waiting_lines = row.stock > product.on_hand and product.id in with_waiting_lines
            if fills_waiting_lines or 0 == row.stock < product.on_hand:
                for field, value in changes.items():
                    setattr(product, field, value)
                _set_stock_through_engine(session, product, row.stock, timeline)
                continue
            if row.stock != product.on_hand:
                # With nobody waiting, a receipt only adds to on hand, and a product with
                # units on hand promises no date; no need for the engine's queries.
                changes.update(on_hand=row.stock, next_promise_on=None)
            if changes:
                plain_changes.append({"id": product.id, "updated_at": utcnow(), **changes})
    if plain_changes:
        # An executemany per set of changed columns instead of an UPDATE a product (these
        # objects are not used again before the commit expires them).
        plain_changes.sort(key=lambda changes: sorted(changes))
        session.execute(update(Product), plain_changes)


def _set_stock_through_engine(
    session: Session, product: Product, stock: int, timeline: Timeline
) -> None:
    if stock > product.on_hand:  # waiting orders first, first come first served
        apply_receipt(session, product, stock - product.on_hand, timeline)
    else:  # now out of stock: the catalog shows the next shipment's date instead
        product.on_hand = stock
        refresh_product(product, load_stock(session, product).stock)


def _product_values(row: CatalogRow) -> dict:
    """The columns the row sets; the others keep their value (or default, when new)."""
    values = {
        "name": row.name,
        "price_cents": row.price_cents,
        "category": row.category,
        "description": row.description,
        "allow_backorders": row.allow_backorders,
        "backorder_discount_pct": row.backorder_discount_pct,
        "backorder_free_shipping": row.backorder_free_shipping,
        "low_stock_threshold": row.low_stock_threshold,
    }
    values = {field: value for field, value in values.items() if value is not None}
    if row.sets_backorder_limit:
        values["backorder_limit"] = row.backorder_limit
    return values


def _insert_products(session: Session, rows: Sequence[CatalogRow], slugs: set[str]) -> None:
    new_slug = _slug_maker(slugs)
    session.execute(
        insert(Product),
        [
            {
                **_product_values(row),
                "sku": row.sku,
                "slug": new_slug(row.name, row.sku),
                "on_hand": row.stock,
                "waiting_units": 0,
                "next_promise_on": None,
            }
            for row in rows
        ],
    )


def _replace_substitutes(session: Session, rows: Sequence[CatalogRow]) -> None:
    id_of, _ = _catalog_index(session)  # now with the new products
    ranked = [row for row in rows if row.substitutes is not None]
    links = Substitute.__table__
    session.execute(
        delete(links).where(links.c.product_id == bindparam("pid")),
        [{"pid": id_of[row.sku]} for row in ranked],
    )
    new_links = [
        {"product_id": id_of[row.sku], "substitute_id": id_of[sku], "rank": rank}
        for row in ranked
        for rank, sku in enumerate(row.substitutes, start=1)
    ]
    if new_links:
        session.execute(insert(links), new_links)


def slugify(text: str) -> str:
    """Lowercase ascii words joined by hyphens: "Crème Brûlée Set" -> "creme-brulee-set"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _slug_maker(taken: set[str]):
    """A function giving each new product a slug no other product has (-2, -3… if needed)."""
    next_number: dict[str, int] = defaultdict(lambda: 2)
    room = SLUG_MAX - len("-1000000")

    def new_slug(name: str, sku: str) -> str:
        base = slugify(name)[:room].rstrip("-") or slugify(sku)[:room].rstrip("-") or "product"
        slug = base
        while slug in taken:
            slug = f"{base}-{next_number[base]}"
            next_number[base] += 1
        taken.add(slug)
        return slug

    return new_slug
