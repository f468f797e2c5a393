"""Product settings as staff change them: name, price, backorder policy, incentive, substitutes.

Promises already made stay as they are: a lower limit or backorders turned off refuse new
units and never drop waiting ones, and order lines keep the price and incentive they were
placed with. What changes is what new orders are offered.
"""

import re
from dataclasses import dataclass, field, fields

from sqlalchemy import delete, insert, select

from ..catalog_csv import NAME_MAX, SKU_MAX
from ..database import write_transaction
from ..engine.limits import (
    MAX_DESCRIPTION_LENGTH,
    MAX_PRICE_CENTS,
    MAX_SHIPMENT_UNITS,
    MAX_SUBSTITUTES,
)
from ..models import Product, Substitute
from .alerts import product_available
from .errors import InvalidRequest, NotFound
from .inventory import load_stock, lock_products, refresh_product

# Line breaks and tabs belong in a description; other control characters (NUL above all,
# which PostgreSQL cannot store) never do.
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_POLICY = ("allow_backorders", "backorder_limit")
_INCENTIVE = ("backorder_discount_pct", "backorder_free_shipping")


@dataclass(frozen=True)
class ProductSettings:
    """Everything staff set on a product's page; `substitutes` are skus, best first."""

    name: str
    description: str
    price_cents: int
    allow_backorders: bool
    backorder_limit: int | None  # None: no limit
    backorder_discount_pct: int
    backorder_free_shipping: bool
    low_stock_threshold: int
    substitutes: tuple[str, ...] = ()


@dataclass
class SettingsRefused(InvalidRequest):
    """Some settings cannot be taken; nothing was saved. `problems` by settings field."""

    problems: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return " ".join(self.problems.values())


@dataclass(frozen=True)
class SettingsSaved:
    sku: str
    name: str
    changed: tuple[str, ...]  # settings fields whose value changed
    notes: tuple[str, ...]  # what staff should know about waiting customers


def update_product_settings(sku: str, settings: ProductSettings) -> SettingsSaved:
    """Check every setting, then write them all under the product's lock, or none."""
    problems = check_settings(settings)
    if not _is_sku(sku):
        raise NotFound("There is no product with that sku.")
    with write_transaction() as session:
        product_id = session.scalar(select(Product.id).where(Product.sku == sku))
        if product_id is None:
            raise NotFound("There is no product with that sku.")
        product = lock_products(session, [product_id])[product_id]
        substitute_ids = _substitute_ids(session, product, settings.substitutes, problems)
        if problems:
            raise SettingsRefused(problems)
        changed = [name for name in _columns() if getattr(product, name) != getattr(settings, name)]
        for name in changed:
            setattr(product, name, getattr(settings, name))
        if _replace_substitutes(session, product, substitute_ids):
            changed.append("substitutes")
        # The catalog's stored badge follows the policy: backorders off shows "Sold out".
        refresh_product(product, load_stock(session, product).stock)
        product_available(session, product)  # backorders on again: tell who asked
        return SettingsSaved(product.sku, product.name, tuple(changed), _notes(product, changed))


def check_settings(settings: ProductSettings) -> dict[str, str]:
    """What is wrong with each setting that needs no database, by field."""
    problems = {}
    name = settings.name
    if not name.strip():
        problems["name"] = "Enter the product's name."
    elif len(name) > NAME_MAX or not name.isprintable():
        problems["name"] = f"The name must be one line of at most {NAME_MAX} characters."
    description = settings.description
    if len(description) > MAX_DESCRIPTION_LENGTH or _CONTROL_IN_TEXT.search(description):
        problems["description"] = (
            f"The description must be text of at most {MAX_DESCRIPTION_LENGTH:,} characters."
        )
    if not _whole(settings.price_cents, 0, MAX_PRICE_CENTS):
        problems["price_cents"] = f"The price must be from 0 to {MAX_PRICE_CENTS // 100:,}.00."
    limit = settings.backorder_limit
    if limit is not None and not _whole(limit, 0, MAX_SHIPMENT_UNITS):
        problems["backorder_limit"] = (
            f"The limit must be a whole number from 0 to {MAX_SHIPMENT_UNITS:,}, or empty."
        )
    if not _whole(settings.backorder_discount_pct, 0, 100):
        problems["backorder_discount_pct"] = "The discount must be a whole number from 0 to 100."
    if not _whole(settings.low_stock_threshold, 0, MAX_SHIPMENT_UNITS):
        problems["low_stock_threshold"] = (
            f"The threshold must be a whole number from 0 to {MAX_SHIPMENT_UNITS:,}."
        )
    if len(settings.substitutes) > MAX_SUBSTITUTES:
        problems["substitutes"] = f"Choose at most {MAX_SUBSTITUTES} substitutes."
    return problems


def _whole(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _is_sku(text: str) -> bool:
    return 0 < len(text) <= SKU_MAX and text.isprintable()


def _columns() -> list[str]:
    """The settings stored as product columns, in the order the page shows them."""
    return [f.name for f in fields(ProductSettings) if f.name != "substitutes"]


def _substitute_ids(session, product: Product, skus, problems: dict[str, str]) -> list[int]:
    """The substitutes' ids, best first; what is wrong with the list goes in `problems`."""
    if "substitutes" in problems:
        return []
    for sku in skus:
        if not _is_sku(sku):
            problems["substitutes"] = f"{sku[:SKU_MAX]!r} is not a sku."
            return []
        if sku == product.sku:
            problems["substitutes"] = f"{product.sku} cannot be its own substitute."
            return []
        if skus.count(sku) > 1:
            problems["substitutes"] = f"{sku} is listed twice."
            return []
    query = select(Product.sku, Product.id).where(Product.sku.in_(skus))
    found = dict(session.execute(query).all())
    unknown = [sku for sku in skus if sku not in found]
    if unknown:
        problems["substitutes"] = f"No product has sku {unknown[0]!r}."
        return []
    return [found[sku] for sku in skus]


def _replace_substitutes(session, product: Product, substitute_ids: list[int]) -> bool:
    """Store the new ranking if it differs; says whether it did."""
    current = [link.substitute_id for link in product.substitute_links]
    if current == substitute_ids:
        return False
    links = Substitute.__table__
    session.execute(delete(links).where(links.c.product_id == product.id))
    if substitute_ids:
        session.execute(
            insert(links),
            [
                {"product_id": product.id, "substitute_id": substitute_id, "rank": rank}
                for rank, substitute_id in enumerate(substitute_ids, start=1)
            ],
        )
    session.expire(product, ["substitute_links"])
    return True


def _notes(product: Product, changed: list[str]) -> tuple[str, ...]:
    """What the change means for customers already waiting (their promises stand)."""
    waiting = product.waiting_units
    if not waiting:
        return ()
    notes = []
    units = f"{waiting} unit{'s' if waiting != 1 else ''} already waiting"
    if any(name in changed for name in _POLICY):
        if not product.allow_backorders:
            notes.append(f"{units} keep their place and dates; no new backorders are taken.")
        elif product.backorder_limit is not None and waiting >= product.backorder_limit:
            notes.append(
                f"{units} keep their place and dates; new backorders are refused until "
                f"fewer than {product.backorder_limit} wait."
            )
    if any(name in changed for name in _INCENTIVE):
        notes.append("The new incentive applies to new orders; placed orders keep theirs.")
    return tuple(notes)
