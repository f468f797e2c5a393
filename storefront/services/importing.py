"""Importing catalog and inbound-shipment files: each file in one transaction, or nothing.

The rows come from `storefront.catalog_csv`, which reads the text strictly; here what
needs the database is checked (skus that must exist) and the whole file is written.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..catalog_csv import SLUG_MAX, CatalogRow, CsvError, InboundRow, slugify
from ..database import retry_on_conflict, write_transaction
from ..models import InboundShipment, OrderLine, Product, ShipmentStatus, Substitute
from ..models.types import utcnow
from .alerts import products_available
from .errors import InvalidRequest
from .inventory import load_stock, lock_products, lock_waiting_orders, refresh_product
from .receiving import apply_receipt
from .shipments import refresh_schedules
from .timeline import Timeline

# PostgreSQL takes at most 65,535 parameters in one statement; lock in slices below that.
_LOCK_BATCH = 30_000


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int

    @property
    def products(self) -> int:
        return self.created + self.updated


@retry_on_conflict
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
            if updates:  # stock may have risen, or backorders opened again
                products_available(session)
            timeline.write(session)
    except IntegrityError:
        # Only a product created by someone else during the import can collide here.
        raise InvalidRequest(
            "The catalog changed while importing; nothing was imported. Please try again."
        ) from None
    return ImportSummary(created=len(new_rows), updated=len(updates))


@retry_on_conflict
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
    lock_waiting_orders(session, products)
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
        "supplier": row.supplier,
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
                "slug": new_slug(row.slug or row.name, row.sku),
                "on_hand": row.stock,
                "waiting_units": 0,
                "next_promise_on": None,
            }
            for row in rows
        ],
    )


def _replace_substitutes(session: Session, rows: Sequence[CatalogRow]) -> None:
    id_of, _ = _catalog_index(session)  # now with the new products
    ranked = [(row, row.substitutes) for row in rows if row.substitutes is not None]
    links = Substitute.__table__
    session.execute(
        delete(links).where(links.c.product_id == bindparam("pid")),
        [{"pid": id_of[row.sku]} for row, _ in ranked],
    )
    new_links = [
        {"product_id": id_of[row.sku], "substitute_id": id_of[sku], "rank": rank}
        for row, substitutes in ranked
        for rank, sku in enumerate(substitutes, start=1)
    ]
    if new_links:
        session.execute(insert(links), new_links)


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
