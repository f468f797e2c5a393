"""What catalog pages show, each page in a fixed number of queries."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select

from ..database import read_now
from ..extensions import db
from ..models import Product, Substitute

# Any committed change to a product, its shipments or substitutes changes this answer: the
# database raises the product's version (migration 0010), so the sum grows, and a product
# added or removed changes the count or the highest id.
_CATALOG_VERSION = select(
    func.count(Product.id), func.max(Product.id), func.coalesce(func.sum(Product.version), 0)
)


def catalog_version() -> str:
    """The whole catalog's version, in one aggregate over the products, as committed now."""
    count, highest, total = read_now(_CATALOG_VERSION)
    return f"{count}.{highest}.{total}"


@dataclass(frozen=True)
class CatalogFilter:
    category: str = ""
    available_now: bool = False
    search: str = ""
    page: int = 1


def catalog_page(criteria: CatalogFilter, per_page: int) -> Pagination:
    query = select(Product).order_by(Product.category, Product.name, Product.id)
    if criteria.category:
        query = query.where(Product.category == criteria.category)
    if criteria.available_now:
        query = query.where(Product.on_hand > 0)
    if criteria.search:
        escaped = criteria.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Product.name.ilike(f"%{escaped}%", escape="\\"))
    return db.paginate(query, page=criteria.page, per_page=per_page, error_out=False)


def categories() -> list[str]:
    query = select(Product.category).where(Product.category != "").distinct()
    return sorted(db.session.scalars(query))


def product_by_slug(slug: str) -> Product | None:
    return db.session.scalar(select(Product).where(Product.slug == slug))


def in_stock_substitutes(product_ids: Iterable[int]) -> dict[int, list[Product]]:
    """Each product's ranked substitutes that have units on hand, by product id, in one query.

    Callers that need more than one unit keep those with enough on hand.
    """
    query = (
        select(Substitute.product_id, Product)
        .join(Product, Substitute.substitute_id == Product.id)
        .where(Substitute.product_id.in_(list(product_ids)), Product.on_hand > 0)
        .order_by(Substitute.rank, Product.name)
    )
    found = defaultdict(list)
    for product_id, substitute in db.session.execute(query):
        found[product_id].append(substitute)
    return found


def product_id_for_sku(sku: str) -> int | None:
    return db.session.scalar(select(Product.id).where(Product.sku == sku.strip()))
